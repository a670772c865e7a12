//! How large a picture says it is, read from its header: a few hundred bytes can declare
//! 30000 × 30000 pixels, which every client that shows the picture would try to allocate.

use super::ImageKind;

/// The longest side FOOF accepts, in pixels: a 48-megapixel phone photo is 8000 × 6000.
pub const MAX_SIDE: u32 = 10_000;
/// The most pixels FOOF accepts (about 200 MB decoded at 4 bytes a pixel).
pub const MAX_PIXELS: u64 = 50_000_000;

/// Width and height as the header declares them (for a GIF, its logical screen; for an
/// animated WebP, its canvas); `None` if the header does not say.
pub fn of(kind: ImageKind, bytes: &[u8]) -> Option<(u32, u32)> {
    match kind {
        ImageKind::Jpeg => jpeg(bytes),
        ImageKind::Png => Some((be32(bytes, 16)?, be32(bytes, 20)?)),
        ImageKind::Gif => Some((le16(bytes, 6)?, le16(bytes, 8)?)),
        ImageKind::Webp => webp(bytes),
    }
}

/// Whether a picture of this size is accepted.
pub fn acceptable((width, height): (u32, u32)) -> bool {
    width > 0
        && height > 0
        && width <= MAX_SIDE
        && height <= MAX_SIDE
        && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// The frame header (SOFn) of the first frame: precision, height, width.
fn jpeg(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut pos = 2;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos)?;
        pos += 1;
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        if marker == 0xDA {
            return None;
        }
        let is_frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let height = be16(bytes, pos + 3)?;
            let width = be16(bytes, pos + 5)?;
            return Some((width, height));
        }
        pos += usize::try_from(be16(bytes, pos)?).ok()?;
    }
}

/// The first chunk after `RIFF…WEBP` says the size, in one of three ways.
fn webp(bytes: &[u8]) -> Option<(u32, u32)> {
    let data = bytes.get(20..)?;
    match bytes.get(12..16)? {
        b"VP8X" => Some((1 + le24(data, 4)?, 1 + le24(data, 7)?)),
        b"VP8 " if data.get(3..6)? == [0x9D, 0x01, 0x2A] => Some((le16(data, 6)? & 0x3FFF, le16(data, 8)? & 0x3FFF)),
        b"VP8L" if *data.first()? == 0x2F => {
            let bits = u32::from_le_bytes(data.get(1..5)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        _ => None,
    }
}

fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?)))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn le16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?)))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let [a, b, c] = bytes.get(at..at + 3)?.try_into().ok()?;
    Some(u32::from_le_bytes([a, b, c, 0]))
}
