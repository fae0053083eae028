//! The compressions the server keeps copies in (kept share pages, kept tree answers), and which
//! of them a request takes. Responses made per request are compressed by the layers in
//! `router` instead.

use std::io::Write;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};

/// The encodings a request's `Accept-Encoding` names without refusing them (`q=0`), lowercase.
pub fn taken(headers: &HeaderMap) -> impl Iterator<Item = String> + '_ {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (!refused).then_some(name)
        })
}

/// A compression a response can go out in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// Brotli, else gzip, when the client takes it (a `q=0` refuses).
    pub fn accepted(headers: &HeaderMap) -> Encoding {
        let mut brotli = false;
        let mut gzip = false;
        for name in taken(headers) {
            match name.as_str() {
                "br" => brotli = true,
                "gzip" | "x-gzip" => gzip = true,
                _ => {}
            }
        }
        if brotli {
            Encoding::Brotli
        } else if gzip {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    /// The `Content-Encoding` of a copy in this encoding.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }
}

/// `raw` compressed as `encoding` at `level` (brotli's quality, gzip's level).
pub fn compress(raw: &[u8], encoding: Encoding, level: u32) -> std::io::Result<Bytes> {
    match encoding {
        Encoding::Brotli => {
            let mut out = Vec::with_capacity(raw.len() / 8);
            // The largest standard window (16 MB): a big tree's JSON repeats itself across
            // megabytes. 100,000 nodes (34.5 MB) at quality 5: 5.1 MB, against 7.2 MB with
            // the default 4 MB window; a 440 KB page is the same either way.
            let params = brotli::enc::BrotliEncoderParams {
                quality: level as i32,
                lgwin: 24,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &raw[..], &mut out, &params)?;
            // Kept for long and counted by length: no spare capacity.
            out.shrink_to_fit();
            Ok(Bytes::from(out))
        }
        Encoding::Gzip => {
            let mut gzip =
                flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 6), flate2::Compression::new(level));
            gzip.write_all(raw)?;
            let mut out = gzip.finish()?;
            out.shrink_to_fit();
            Ok(Bytes::from(out))
        }
        Encoding::Identity => Ok(Bytes::copy_from_slice(raw)),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        Encoding::accepted(&headers)
    }

    #[test]
    fn picks_what_the_client_takes() {
        assert_eq!(accept("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(accept("gzip, deflate"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(accept("identity"), Encoding::Identity);
        assert_eq!(Encoding::accepted(&HeaderMap::new()), Encoding::Identity);
    }
}
