//! zstd for the big pages made per request (a share page, the editor's page), compressed on
//! the machine's cores at once.
//!
//! A 1,000-node share page is ~440 KB of markup, and zstd's level 1 takes ~0.5 ms of the
//! ~3.5 ms it takes to serve one rendered for its request; compressed as one stream after the
//! page is made, that half millisecond is on one core while the other waits. Here the page
//! is cut into one zstd frame per core, compressed side by side and sent one after the other:
//! a zstd body is one or more frames (RFC 8878, section 3), which a decoder reads as the
//! concatenation of their contents. Each frame starts without the others' history, so the
//! page comes out a little larger (a few percent at two frames).
//!
//! Each thread keeps its compression context: the layer made one per response, ~1 % of a
//! share page's CPU with the page faults of its fresh memory.

use std::cell::RefCell;
use std::io;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::HeaderMap;
use zstd::zstd_safe::{self, zstd_sys::ZSTD_EndDirective, CCtx, CParameter, InBuffer, OutBuffer, ResetDirective};

/// zstd's level for responses made per request, here and in the compression layer in `router`
/// (which says what it costs against brotli); a 1,000-node share page comes out ~9x smaller.
pub const LEVEL: i32 = 1;

/// A page smaller than this is one frame: handing part of it to another thread would cost
/// about what it saves.
const SPLIT_FROM: usize = 96 * 1024;

/// Whether the request takes zstd, as the compression layer in `router` reads it: named
/// without `q=0`.
pub fn accepted(headers: &HeaderMap) -> bool {
    super::encoding::taken(headers).any(|name| name == "zstd")
}

/// `pieces`, taken as one text, compressed at `level` as zstd frames made on the machine's
/// cores at once. The frames, in order, are the body.
pub async fn compress(pieces: Vec<Bytes>, level: i32) -> io::Result<Vec<Bytes>> {
    let frames = split(pieces, frame_count);
    let mut frames = frames.into_iter();
    let Some(first) = frames.next() else {
        return Ok(Vec::new());
    };
    // The others on the blocking pool, the first here meanwhile.
    let others: Vec<_> = frames
        .map(|frame| tokio::task::spawn_blocking(move || compress_frame(&frame, level)))
        .collect();
    let mut body = vec![Bytes::from(compress_frame(&first, level)?)];
    for other in others {
        let frame = other.await.map_err(io::Error::other)??;
        body.push(Bytes::from(frame));
    }
    Ok(body)
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
        let frames = compress(pieces, 1).await.unwrap();
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
        let frames = compress(vec![Bytes::from(data.clone())], 1).await.unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(decoded(&frames), data);
        assert!(compress(Vec::new(), 1).await.unwrap().is_empty());
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
