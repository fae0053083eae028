//! zstd for the big pages made per request (a share page, the editor's page), compressed on
//! the machine's cores at once.
//!
//! A 1,000-node share page is ~440 KB of markup, and zstd's level 1 takes ~0.5 ms of the
//! ~3.5 ms it takes to serve one rendered for its request. A zstd body may be several frames
//! (RFC 8878, section 3), which a decoder reads as the concatenation of their contents, so the
//! page is compressed in pieces on several cores at once:
//!
//! - a big part of the page (`page_blocks::place`: the share page's outline, boxes and edges,
//!   the editor's tree block) is handed to the blocking pool as soon as it is made
//!   ([`start`]), so it is compressed while the rest of the page is still being made (the
//!   outline while the boxes are drawn, the boxes while Leptos renders the page around them);
//! - the page's own text around the parts is compressed once the page is whole, a big run of
//!   it cut into one frame per core.
//!
//! Each frame starts without the others' history, so the page comes out a little larger (a
//! few percent).
//!
//! Each thread keeps its compression context: the layer made one per response, ~1 % of a
//! share page's CPU with the page faults of its fresh memory.

use std::cell::RefCell;
use std::io;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::HeaderMap;
use tokio::task::JoinHandle;
use zstd::zstd_safe::{self, zstd_sys::ZSTD_EndDirective, CCtx, CParameter, InBuffer, OutBuffer, ResetDirective};

/// zstd's level for responses made per request, here and in the compression layer in `router`
/// (which says what it costs against brotli); a 1,000-node share page comes out ~9x smaller.
pub const LEVEL: i32 = 1;

/// A run of text smaller than this is one frame: handing part of it to another thread would
/// cost about what it saves.
const SPLIT_FROM: usize = 96 * 1024;

/// A part smaller than this is compressed with the page's text around it, once the page is
/// whole: a thread of the pool costs tens of microseconds to wake, and a frame of its own
/// costs its header and the history it cannot use.
const START_FROM: usize = 16 * 1024;

/// Whether the request takes zstd, as the compression layer in `router` reads it: named
/// without `q=0`.
pub fn accepted(headers: &HeaderMap) -> bool {
    super::encoding::taken(headers).any(|name| name == "zstd")
}

/// A part's frames, being made on the blocking pool.
pub struct Started(Vec<JoinHandle<io::Result<Vec<u8>>>>);

impl Started {
    async fn frames(self) -> io::Result<Vec<Bytes>> {
        let mut frames = Vec::with_capacity(self.0.len());
        for frame in self.0 {
            frames.push(Bytes::from(frame.await.map_err(io::Error::other)??));
        }
        Ok(frames)
    }
}

/// Starts compressing `part`, one frame per core, on the blocking pool; `None` for a part too
/// small to be worth it ([`START_FROM`]) or outside a Tokio runtime.
pub fn start(part: &Bytes, level: i32) -> Option<Started> {
    if part.len() < START_FROM {
        return None;
    }
    let runtime = tokio::runtime::Handle::try_current().ok()?;
    Some(spawn_frames(&runtime, vec![part.clone()], level))
}

fn spawn_frames(runtime: &tokio::runtime::Handle, pieces: Vec<Bytes>, level: i32) -> Started {
    Started(
        split(pieces, frame_count)
            .into_iter()
            .map(|run| runtime.spawn_blocking(move || compress_frame(&run, level)))
            .collect(),
    )
}

/// One piece of a page: its text, and its frames if they are already being made ([`start`]).
pub struct Piece {
    pub text: Bytes,
    pub started: Option<Started>,
}

/// The frame, or the frames under way, of one stretch of the page.
enum Pending {
    Made(Bytes),
    Started(Started),
}

/// `pieces`, taken as one text, compressed at `level` as zstd frames. The frames, in order,
/// are the body. The pieces not started yet are compressed here, while the started ones go
/// on, runs of text between started pieces as one frame each (on every core for a big one).
pub async fn compress(pieces: Vec<Piece>, level: i32) -> io::Result<Vec<Bytes>> {
    let mut pending = Vec::new();
    let mut run = Vec::new();
    for piece in pieces {
        match piece.started {
            None => run.push(piece.text),
            Some(started) => {
                pending.extend(compress_run(std::mem::take(&mut run), level)?);
                pending.push(Pending::Started(started));
            }
        }
    }
    pending.extend(compress_run(run, level)?);
    let mut body = Vec::with_capacity(pending.len());
    for p in pending {
        match p {
            Pending::Made(frame) => body.push(frame),
            Pending::Started(started) => body.extend(started.frames().await?),
        }
    }
    Ok(body)
}

/// A run of the page's text: one frame made here, or a big run's frames on the blocking pool.
fn compress_run(run: Vec<Bytes>, level: i32) -> io::Result<Option<Pending>> {
    let total: usize = run.iter().map(Bytes::len).sum();
    if total == 0 {
        return Ok(None);
    }
    if frame_count(total) > 1 {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            return Ok(Some(Pending::Started(spawn_frames(&runtime, run, level))));
        }
    }
    Ok(Some(Pending::Made(Bytes::from(compress_frame(&run, level)?))))
}

/// How many frames a page of `total` bytes is cut into: one per core, none under
/// [`SPLIT_FROM`].
fn frame_count(total: usize) -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    (total / SPLIT_FROM).clamp(1, cores)
}

/// `pieces` cut into `count(total bytes)` runs of about equal size, each a list of slices of
/// the same buffers (nothing copied).
fn split(pieces: Vec<Bytes>, count: impl Fn(usize) -> usize) -> Vec<Vec<Bytes>> {
    let total: usize = pieces.iter().map(Bytes::len).sum();
    let count = count(total).max(1);
    let mut frames: Vec<Vec<Bytes>> = (0..count).map(|_| Vec::new()).collect();
    let mut at = 0;
    for mut piece in pieces {
        while !piece.is_empty() {
            // The frame this byte falls in, and where that frame ends.
            let frame = (at * count / total.max(1)).min(count - 1);
            let end = ((frame + 1) * total).div_ceil(count);
            let take = piece.len().min(end - at).max(1);
            frames[frame].push(piece.split_to(take));
            at += take;
        }
    }
    frames.retain(|f| !f.is_empty());
    frames
}

thread_local! {
    static CONTEXT: RefCell<Option<CCtx<'static>>> = const { RefCell::new(None) };
}

/// One zstd frame of `pieces` (at least one) taken as one text, with its size in the header.
fn compress_frame(pieces: &[Bytes], level: i32) -> io::Result<Vec<u8>> {
    let size: usize = pieces.iter().map(Bytes::len).sum();
    CONTEXT.with_borrow_mut(|context| {
        let cctx = context.get_or_insert_with(CCtx::create);
        let error = |code: usize| io::Error::other(zstd_safe::get_error_name(code));
        cctx.reset(ResetDirective::SessionOnly).map_err(error)?;
        cctx.set_parameter(CParameter::CompressionLevel(level)).map_err(error)?;
        cctx.set_pledged_src_size(Some(size as u64)).map_err(error)?;
        // Room for the worst case, so no call stops for want of space.
        let mut out = Vec::with_capacity(zstd_safe::compress_bound(size));
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.iter().enumerate() {
            let mode = if i == last {
                ZSTD_EndDirective::ZSTD_e_end
            } else {
                ZSTD_EndDirective::ZSTD_e_continue
            };
            let mut input = InBuffer::around(piece);
            loop {
                let at = out.len();
                let mut output = OutBuffer::around_pos(&mut out, at);
                let left = cctx.compress_stream2(&mut output, &mut input, mode).map_err(error)?;
                let done = input.pos() == piece.len();
                if done && (mode == ZSTD_EndDirective::ZSTD_e_continue || left == 0) {
                    break;
                }
                if out.len() == out.capacity() {
                    out.reserve(64 * 1024);
                }
            }
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| b"<div class=\"node\">title</div>"[i % 29] ^ (i / 997 % 3) as u8)
            .collect()
    }

    fn decoded(frames: &[Bytes]) -> Vec<u8> {
        zstd::stream::decode_all(&frames.concat()[..]).unwrap()
    }

    fn text_pieces(pieces: Vec<Bytes>) -> Vec<Piece> {
        pieces.into_iter().map(|text| Piece { text, started: None }).collect()
    }

    fn frame_sizes(frames: &[Bytes]) -> Vec<u64> {
        frames
            .iter()
            .map(|f| zstd_safe::get_frame_content_size(f).unwrap().unwrap())
            .collect()
    }

    #[test]
    fn runs_cover_the_pieces_in_order_in_about_equal_sizes() {
        let data = text(1000);
        let pieces = vec![
            Bytes::copy_from_slice(&data[..10]),
            Bytes::copy_from_slice(&data[10..700]),
            Bytes::new(),
            Bytes::copy_from_slice(&data[700..]),
        ];
        for count in 1..=4 {
            let runs = split(pieces.clone(), |_| count);
            assert_eq!(runs.len(), count);
            let sizes: Vec<usize> = runs.iter().map(|r| r.iter().map(Bytes::len).sum()).collect();
            assert!(sizes.iter().all(|&s| s.abs_diff(1000 / count) <= 1), "{sizes:?}");
            let joined: Vec<u8> = runs.concat().concat();
            assert_eq!(joined, data);
        }
    }

    #[test]
    fn no_more_runs_than_bytes() {
        let runs = split(vec![Bytes::from_static(b"ab")], |_| 4);
        assert_eq!(runs.len(), 2);
        assert!(split(Vec::new(), |_| 2).is_empty());
    }

    #[tokio::test]
    async fn the_frames_decode_to_the_page() {
        let data = text(3 * SPLIT_FROM + 123);
        let pieces: Vec<Bytes> = data.chunks(40_000).map(Bytes::copy_from_slice).collect();
        let frames = compress(text_pieces(pieces), 1).await.unwrap();
        assert_eq!(frames.len(), frame_count(data.len()));
        assert_eq!(decoded(&frames), data);
        // Each a frame of its own, with its size written in it.
        let first = zstd_safe::get_frame_content_size(&frames[0]).unwrap();
        assert!(first.is_some_and(|n| n > 0));
        // And compressed: the text repeats.
        assert!(frames.iter().map(Bytes::len).sum::<usize>() < data.len() / 10);
    }

    #[tokio::test]
    async fn small_and_empty_pages_are_one_frame() {
        let data = text(5_000);
        let frames = compress(text_pieces(vec![Bytes::from(data.clone())]), 1).await.unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(decoded(&frames), data);
        assert!(compress(Vec::new(), 1).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn parts_started_early_are_frames_of_their_own_between_the_text_around_them() {
        let data = text(4 * SPLIT_FROM);
        let cut = [
            0,
            3_000,
            3_000 + 2 * SPLIT_FROM,
            3_200 + 2 * SPLIT_FROM,
            3_200 + 2 * SPLIT_FROM + 40_000,
        ];
        let whole = Bytes::from(data.clone());
        let piece = |i: usize| whole.slice(cut[i]..cut.get(i + 1).copied().unwrap_or(whole.len()));
        // The page's head, a big part (started), a little text, a smaller part (started), and
        // a tail; the small part's neighbours are compressed once the page is whole.
        let big = start(&piece(1), 1).expect("a big part is started");
        let small = start(&piece(3), 1).expect("a part over START_FROM is started");
        assert!(start(&Bytes::from(text(START_FROM - 1)), 1).is_none());
        let pieces = vec![
            Piece {
                text: piece(0),
                started: None,
            },
            Piece {
                text: piece(1),
                started: Some(big),
            },
            Piece {
                text: piece(2),
                started: None,
            },
            Piece {
                text: piece(3),
                started: Some(small),
            },
            Piece {
                text: piece(4),
                started: None,
            },
        ];
        let frames = compress(pieces, 1).await.unwrap();
        assert_eq!(decoded(&frames), data);
        let half = SPLIT_FROM as u64;
        assert_eq!(
            frame_sizes(&frames),
            match frame_count(2 * SPLIT_FROM) {
                1 => vec![3_000, 2 * half, 200, 40_000, piece(4).len() as u64],
                _ => vec![3_000, half, half, 200, 40_000, piece(4).len() as u64],
            },
            "one frame per core for the big part, in the page's order"
        );
    }

    #[test]
    fn nothing_is_started_outside_a_runtime() {
        assert!(start(&Bytes::from(text(2 * START_FROM)), 1).is_none());
    }

    #[test]
    fn a_kept_context_makes_the_same_frame_again() {
        let data = Bytes::from(text(50_000));
        let once = compress_frame(std::slice::from_ref(&data), 1).unwrap();
        let again = compress_frame(&[data.slice(..20_000), data.slice(20_000..)], 1).unwrap();
        assert_eq!(once, again);
    }

    #[test]
    fn zstd_is_taken_when_named_without_q_zero() {
        use axum::http::header;
        let headers = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, v.parse().unwrap());
            h
        };
        assert!(accepted(&headers("gzip, deflate, br, zstd")));
        assert!(accepted(&headers("ZSTD;q=0.5")));
        assert!(!accepted(&headers("gzip, br")));
        assert!(!accepted(&headers("zstd;q=0")));
        assert!(!accepted(&HeaderMap::new()));
    }
}
