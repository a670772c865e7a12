//! Upload checks: an image is accepted only if its bytes really are JPEG, PNG, GIF or WebP
//! (by magic and by structure, whatever the file name says), and it is stored without its
//! metadata: phone photos carry GPS positions in EXIF/XMP. Only what affects how the picture
//! looks is kept (colour profiles, transparency, animation, and the EXIF orientation), by a
//! list of what to keep, so unknown chunks and segments go too, wherever they stand.

use thiserror::Error;

pub mod dimensions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl ImageKind {
    pub fn detect(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Self::Gif),
            [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }

    /// The media type of a stored path, by its extension.
    pub fn content_type_for_path(path: &str) -> &'static str {
        let extension = path.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
        match extension.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "gif" => "image/gif",
            "webp" => "image/webp",
            _ => "application/octet-stream",
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("not a JPEG, PNG, GIF or WebP image")]
    UnknownFormat,
    #[error("malformed {0} image")]
    Malformed(&'static str),
    #[error("{width} × {height} pixels is over the limit")]
    TooLarge { width: u32, height: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanImage {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

/// Checks the image and returns it without metadata.
pub fn sanitize(bytes: &[u8]) -> Result<CleanImage, ImageError> {
    let kind = ImageKind::detect(bytes).ok_or(ImageError::UnknownFormat)?;
    let clean = match kind {
        ImageKind::Jpeg => jpeg::strip(bytes),
        ImageKind::Png => png::strip(bytes),
        ImageKind::Gif => gif::strip(bytes),
        ImageKind::Webp => webp::strip(bytes),
    };
    let bytes = clean?;
    let (width, height) = dimensions::of(kind, &bytes).ok_or(ImageError::Malformed(kind.extension()))?;
    if !dimensions::acceptable((width, height)) {
        return Err(ImageError::TooLarge { width, height });
    }
    Ok(CleanImage { kind, bytes })
}

fn be16(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?)))
}

mod jpeg {
    use super::{ImageError, be16};

    const MALFORMED: ImageError = ImageError::Malformed("JPEG");
    const SOI: [u8; 2] = [0xFF, 0xD8];
    const EOI: [u8; 2] = [0xFF, 0xD9];

    /// Keeps the segments a decoder needs, drops EXIF/XMP/comments and every other APPn but
    /// JFIF, ICC profiles and Adobe colour info; re-adds the EXIF orientation on its own.
    pub fn strip(data: &[u8]) -> Result<Vec<u8>, ImageError> {
        let mut jfif: Vec<u8> = Vec::new();
        let mut header: Vec<u8> = Vec::new();
        let mut orientation = None;
        let mut has_frame = false;
        let mut pos = 2;
        loop {
            if data.get(pos) != Some(&0xFF) {
                return Err(MALFORMED);
            }
            while data.get(pos) == Some(&0xFF) {
                pos += 1;
            }
            let marker = *data.get(pos).ok_or(MALFORMED)?;
            pos += 1;
            if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
                header.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            if matches!(marker, 0xD8 | 0xD9 | 0x00) {
                return Err(MALFORMED);
            }
            let length = be16(data, pos).filter(|&l| l >= 2).ok_or(MALFORMED)?;
            let segment = data.get(pos - 2..pos + length).ok_or(MALFORMED)?;
            let payload = &segment[4..];
            match marker {
                0xDA => {
                    if !has_frame {
                        return Err(MALFORMED);
                    }
                    let mut out = Vec::with_capacity(data.len() + 64);
                    out.extend_from_slice(&SOI);
                    out.extend_from_slice(&jfif);
                    if let Some(value) = orientation {
                        out.extend_from_slice(&orientation_segment(value));
                    }
                    out.extend_from_slice(&header);
                    copy_scans(data, pos - 2, &mut out)?;
                    return Ok(out);
                }
                0xE0 if payload.starts_with(b"JFIF\0") && jfif.is_empty() => jfif.extend_from_slice(segment),
                0xE1 => {
                    if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                        orientation = orientation.or_else(|| exif_orientation(tiff));
                    }
                }
                0xE2 if payload.starts_with(b"ICC_PROFILE\0") => header.extend_from_slice(segment),
                0xEE if payload.starts_with(b"Adobe") => header.extend_from_slice(segment),
                0xE0..=0xEF | 0xFE => {}
                _ => {
                    has_frame |= matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                    header.extend_from_slice(segment);
                }
            }
            pos += length;
        }
    }

    /// Copies the scans from the first SOS (at `from`) to the end of the primary image. Between
    /// scans (a progressive JPEG has several) only what a decoder needs stays: tables, restart
    /// intervals and further scans; APPn and comment segments go there too. Entropy-coded data
    /// holds no markers (FF is stuffed as FF 00; FF D0–D7 are restarts), so the first EOI ends
    /// the image, and anything after it (MPF side images, vendor trailers) is dropped.
    fn copy_scans(data: &[u8], from: usize, out: &mut Vec<u8>) -> Result<(), ImageError> {
        let mut pos = from;
        loop {
            // At a marker: FF (fills) then its code.
            let start = pos;
            while data.get(pos) == Some(&0xFF) {
                pos += 1;
            }
            let marker = *data.get(pos).ok_or(MALFORMED)?;
            pos += 1;
            if marker == EOI[1] {
                out.extend_from_slice(&EOI);
                return Ok(());
            }
            let length = be16(data, pos).filter(|&l| l >= 2).ok_or(MALFORMED)?;
            let segment = data.get(start..pos + length).ok_or(MALFORMED)?;
            pos += length;
            if !matches!(marker, 0xE0..=0xEF | 0xFE) {
                out.extend_from_slice(segment);
            }
            if marker == 0xDA {
                let entropy_end = next_marker(data, pos).ok_or(MALFORMED)?;
                out.extend_from_slice(&data[pos..entropy_end]);
                pos = entropy_end;
            }
        }
    }

    /// Where the entropy-coded data starting at `from` ends: the first FF that is neither
    /// stuffing (FF 00), a restart marker (FF D0–D7) nor a fill byte before one of those.
    fn next_marker(data: &[u8], from: usize) -> Option<usize> {
        let mut pos = from;
        loop {
            let at = pos + data.get(pos..)?.iter().position(|&byte| byte == 0xFF)?;
            let mut code = at + 1;
            while data.get(code) == Some(&0xFF) {
                code += 1;
            }
            match *data.get(code)? {
                0x00 | 0xD0..=0xD7 => pos = code + 1,
                _ => return Some(at),
            }
        }
    }

    /// The Orientation tag (0x0112) of IFD0, when it says anything but "upright".
    fn exif_orientation(tiff: &[u8]) -> Option<u16> {
        let read16 = |at: usize| -> Option<u16> {
            let bytes: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
            Some(if tiff.starts_with(b"II") {
                u16::from_le_bytes(bytes)
            } else {
                u16::from_be_bytes(bytes)
            })
        };
        let read32 = |at: usize| -> Option<usize> {
            let bytes: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
            let value = if tiff.starts_with(b"II") {
                u32::from_le_bytes(bytes)
            } else {
                u32::from_be_bytes(bytes)
            };
            usize::try_from(value).ok()
        };
        if !(tiff.starts_with(b"II") || tiff.starts_with(b"MM")) || read16(2)? != 42 {
            return None;
        }
        let ifd = read32(4)?;
        let entries = usize::from(read16(ifd)?);
        (0..entries)
            .map(|i| ifd + 2 + i * 12)
            .find(|&entry| read16(entry) == Some(0x0112) && read16(entry + 2) == Some(3))
            .and_then(|entry| read16(entry + 8))
            .filter(|value| (2..=8).contains(value))
    }

    /// A minimal APP1 segment holding only the Orientation tag.
    fn orientation_segment(value: u16) -> Vec<u8> {
        let mut segment = vec![0xFF, 0xE1, 0x00, 34];
        segment.extend_from_slice(b"Exif\0\0MM\0\x2A\0\0\0\x08");
        segment.extend_from_slice(&[0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
        segment.extend_from_slice(&value.to_be_bytes());
        segment.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        segment
    }

    #[cfg(test)]
    pub(super) fn orientation_of(jpeg: &[u8]) -> Option<u16> {
        let at = jpeg.windows(6).position(|w| w == b"Exif\0\0")?;
        exif_orientation(&jpeg[at + 6..])
    }
}

mod png {
    use super::ImageError;

    const MALFORMED: ImageError = ImageError::Malformed("PNG");
    const CRITICAL: [&[u8; 4]; 4] = [b"IHDR", b"PLTE", b"IDAT", b"IEND"];
    /// Ancillary chunks that change how the image looks; every other one (text, time, EXIF…) goes.
    const KEPT_ANCILLARY: [&[u8; 4]; 15] = [
        b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD", b"hIST", b"sPLT", b"acTL", b"fcTL",
        b"fdAT", b"cICP", b"cLLi",
    ];

    pub fn strip(data: &[u8]) -> Result<Vec<u8>, ImageError> {
        let mut out = data[..8].to_vec();
        let mut pos = 8;
        let mut has_data = false;
        loop {
            let length = data.get(pos..pos + 4).ok_or(MALFORMED)?;
            let length = usize::try_from(u32::from_be_bytes(length.try_into().map_err(|_| MALFORMED)?))
                .map_err(|_| MALFORMED)?;
            let kind: [u8; 4] = data
                .get(pos + 4..pos + 8)
                .ok_or(MALFORMED)?
                .try_into()
                .map_err(|_| MALFORMED)?;
            let chunk = data.get(pos..pos + 12 + length).ok_or(MALFORMED)?;
            if !kind.iter().all(u8::is_ascii_alphabetic) || (pos == 8) != (&kind == b"IHDR") {
                return Err(MALFORMED);
            }
            has_data |= &kind == b"IDAT";
            if kind[0].is_ascii_uppercase() && !CRITICAL.contains(&&kind) {
                // A critical chunk no decoder knows: not a picture anyone could show.
                return Err(MALFORMED);
            }
            if CRITICAL.contains(&&kind) || KEPT_ANCILLARY.contains(&&kind) {
                out.extend_from_slice(chunk);
            }
            pos += chunk.len();
            if &kind == b"IEND" {
                return if has_data { Ok(out) } else { Err(MALFORMED) };
            }
        }
    }
}

mod gif {
    use super::ImageError;

    const MALFORMED: ImageError = ImageError::Malformed("GIF");

    /// Length of a run of data sub-blocks starting at `pos`, terminator included.
    fn sub_blocks(data: &[u8], mut pos: usize) -> Result<usize, ImageError> {
        let start = pos;
        loop {
            let size = usize::from(*data.get(pos).ok_or(MALFORMED)?);
            pos += 1 + size;
            if size == 0 {
                return Ok(pos - start);
            }
        }
    }

    fn color_table_len(packed: u8) -> usize {
        if packed & 0x80 == 0 {
            0
        } else {
            3 << ((packed & 0x07) + 1)
        }
    }

    /// Drops comment extensions and application extensions other than the looping ones.
    pub fn strip(data: &[u8]) -> Result<Vec<u8>, ImageError> {
        let packed = *data.get(10).ok_or(MALFORMED)?;
        let mut pos = 13 + color_table_len(packed);
        let mut out = data.get(..pos).ok_or(MALFORMED)?.to_vec();
        let mut has_image = false;
        loop {
            match *data.get(pos).ok_or(MALFORMED)? {
                0x3B => {
                    out.push(0x3B);
                    return if has_image { Ok(out) } else { Err(MALFORMED) };
                }
                0x2C => {
                    let packed = *data.get(pos + 9).ok_or(MALFORMED)?;
                    let data_start = pos + 10 + color_table_len(packed) + 1; // + LZW minimum code size
                    let end = data_start + sub_blocks(data, data_start)?;
                    out.extend_from_slice(data.get(pos..end).ok_or(MALFORMED)?);
                    has_image = true;
                    pos = end;
                }
                0x21 => {
                    let label = *data.get(pos + 1).ok_or(MALFORMED)?;
                    let end = pos + 2 + sub_blocks(data, pos + 2)?;
                    let block = data.get(pos..end).ok_or(MALFORMED)?;
                    let looping = block
                        .get(3..14)
                        .is_some_and(|id| id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0");
                    if label == 0xF9 || label == 0x01 || (label == 0xFF && looping) {
                        out.extend_from_slice(block);
                    }
                    pos = end;
                }
                _ => return Err(MALFORMED),
            }
        }
    }
}

mod webp {
    use super::ImageError;

    const MALFORMED: ImageError = ImageError::Malformed("WebP");
    const VP8X_EXIF: u8 = 0x08;
    const VP8X_XMP: u8 = 0x04;

    pub fn strip(data: &[u8]) -> Result<Vec<u8>, ImageError> {
        let riff_size = u32::from_le_bytes(data[4..8].try_into().map_err(|_| MALFORMED)?);
        let end = 8usize
            .checked_add(usize::try_from(riff_size).map_err(|_| MALFORMED)?)
            .ok_or(MALFORMED)?;
        let body = data.get(12..end).ok_or(MALFORMED)?;
        let mut chunks = Vec::with_capacity(body.len());
        let mut has_bitstream = false;
        let mut pos = 0;
        while pos < body.len() {
            let fourcc: [u8; 4] = body
                .get(pos..pos + 4)
                .ok_or(MALFORMED)?
                .try_into()
                .map_err(|_| MALFORMED)?;
            let size = u32::from_le_bytes(
                body.get(pos + 4..pos + 8)
                    .ok_or(MALFORMED)?
                    .try_into()
                    .map_err(|_| MALFORMED)?,
            );
            let size = usize::try_from(size).map_err(|_| MALFORMED)?;
            let padded = 8 + size + (size & 1);
            let chunk = body.get(pos..pos + padded).ok_or(MALFORMED)?;
            match &fourcc {
                b"VP8X" => {
                    let mut chunk = chunk.to_vec();
                    *chunk.get_mut(8).ok_or(MALFORMED)? &= !(VP8X_EXIF | VP8X_XMP);
                    chunks.extend_from_slice(&chunk);
                }
                b"VP8 " | b"VP8L" | b"ANMF" => {
                    has_bitstream = true;
                    chunks.extend_from_slice(chunk);
                }
                // What else changes how the picture looks; EXIF, XMP and unknown chunks go.
                b"ALPH" | b"ANIM" | b"ICCP" => chunks.extend_from_slice(chunk),
                _ => {}
            }
            pos += padded;
        }
        if !has_bitstream {
            return Err(MALFORMED);
        }
        let mut out = Vec::with_capacity(chunks.len() + 12);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&u32::try_from(chunks.len() + 4).map_err(|_| MALFORMED)?.to_le_bytes());
        out.extend_from_slice(b"WEBP");
        out.extend_from_slice(&chunks);
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
