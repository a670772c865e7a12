use super::*;

const PHOTO: &[u8] = include_bytes!("../../../fixtures/photo.jpg");
const PNG: &[u8] = include_bytes!("../../../fixtures/with-text.png");
const GIF: &[u8] = include_bytes!("../../../fixtures/with-comment.gif");
const WEBP: &[u8] = include_bytes!("../../../fixtures/plain.webp");

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A VP8X WebP carrying EXIF and XMP chunks around the plain fixture's bitstream.
fn webp_with_metadata() -> Vec<u8> {
    let chunk = |fourcc: &[u8; 4], data: &[u8]| {
        let mut c = fourcc.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    };
    let mut body = chunk(b"VP8X", &[VP8X_FLAGS, 0, 0, 0, 23, 0, 0, 23, 0, 0]);
    body.extend_from_slice(&WEBP[12..]);
    body.extend_from_slice(&chunk(b"EXIF", b"MM\0\x2a GPS 31.88N secret"));
    body.extend_from_slice(&chunk(b"XMP ", b"<x:xmpmeta>Secret Person</x:xmpmeta>"));
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out
}
const VP8X_FLAGS: u8 = 0x08 | 0x04;

#[test]
fn detects_formats_by_magic_not_by_name() {
    assert_eq!(ImageKind::detect(PHOTO), Some(ImageKind::Jpeg));
    assert_eq!(ImageKind::detect(PNG), Some(ImageKind::Png));
    assert_eq!(ImageKind::detect(GIF), Some(ImageKind::Gif));
    assert_eq!(ImageKind::detect(WEBP), Some(ImageKind::Webp));
    assert_eq!(ImageKind::detect(b"<html>not an image</html>"), None);
    assert_eq!(sanitize(b"%PDF-1.7").unwrap_err(), ImageError::UnknownFormat);
    assert_eq!(sanitize(b"").unwrap_err(), ImageError::UnknownFormat);
}

#[test]
fn jpeg_loses_gps_comment_and_xmp_but_keeps_orientation() {
    assert!(contains(PHOTO, b"FOOFPhone") && contains(PHOTO, b"secret comment") && contains(PHOTO, b"Secret Person"));
    let clean = sanitize(PHOTO).unwrap();
    assert_eq!(clean.kind, ImageKind::Jpeg);
    for secret in [
        &b"FOOFPhone"[..],
        b"secret comment",
        b"Secret Person",
        b"http://ns.adobe.com/xap",
    ] {
        assert!(
            !contains(&clean.bytes, secret),
            "{:?} survived",
            String::from_utf8_lossy(secret)
        );
    }
    assert_eq!(jpeg::orientation_of(PHOTO), Some(6));
    assert_eq!(jpeg::orientation_of(&clean.bytes), Some(6));
    assert!(clean.bytes.starts_with(&[0xFF, 0xD8]) && clean.bytes.ends_with(&[0xFF, 0xD9]));
    assert!(clean.bytes.len() < PHOTO.len());
}

#[test]
fn sanitizing_is_idempotent() {
    for input in [PHOTO, PNG, GIF, WEBP, &webp_with_metadata()] {
        let once = sanitize(input).unwrap();
        assert_eq!(sanitize(&once.bytes).unwrap(), once);
    }
}

#[test]
fn png_loses_text_chunks() {
    assert!(contains(PNG, b"secret comment"));
    let clean = sanitize(PNG).unwrap();
    assert!(!contains(&clean.bytes, b"secret comment") && !contains(&clean.bytes, b"Secret Person"));
    assert!(
        contains(&clean.bytes, b"IHDR")
            && contains(&clean.bytes, b"IDAT")
            && clean.bytes.ends_with(&[0xAE, 0x42, 0x60, 0x82])
    );
}

#[test]
fn gif_loses_comments() {
    assert!(contains(GIF, b"secret comment"));
    let clean = sanitize(GIF).unwrap();
    assert!(!contains(&clean.bytes, b"secret comment"));
    assert!(clean.bytes.starts_with(b"GIF89a") && clean.bytes.ends_with(&[0x3B]));
}

#[test]
fn webp_loses_exif_and_xmp_and_their_flags() {
    let input = webp_with_metadata();
    let clean = sanitize(&input).unwrap();
    assert!(!contains(&clean.bytes, b"secret") && !contains(&clean.bytes, b"Secret Person"));
    assert_eq!(clean.bytes[20] & VP8X_FLAGS, 0, "VP8X still announces metadata");
    let riff_size = u32::from_le_bytes(clean.bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(riff_size + 8, clean.bytes.len());
    assert_eq!(sanitize(WEBP).unwrap().bytes, WEBP);
}

#[test]
fn truncated_or_forged_files_are_refused() {
    for (name, input) in [("jpeg", PHOTO), ("png", PNG), ("gif", GIF), ("webp", WEBP)] {
        let half = &input[..input.len() / 2];
        assert!(
            matches!(sanitize(half), Err(ImageError::Malformed(_))),
            "half a {name} was accepted"
        );
    }
    let mut magic_only = vec![0xFF, 0xD8, 0xFF, 0xE0];
    magic_only.extend_from_slice(b"this is a text file with a JPEG magic");
    assert!(sanitize(&magic_only).is_err());
    assert!(sanitize(b"\x89PNG\r\n\x1a\n").is_err());
    assert!(sanitize(b"GIF89a").is_err());
    assert!(sanitize(b"RIFF\xff\xff\xff\xffWEBP").is_err());
}

#[test]
fn content_types_follow_extensions() {
    assert_eq!(ImageKind::content_type_for_path("image/item/1-2-0.JPG"), "image/jpeg");
    assert_eq!(ImageKind::content_type_for_path("image/avatar/3.webp"), "image/webp");
    assert_eq!(ImageKind::content_type_for_path("image/x"), "application/octet-stream");
}

#[test]
fn headers_say_how_large_a_picture_is() {
    assert_eq!(dimensions::of(ImageKind::Png, PNG), Some((32, 32)));
    assert_eq!(dimensions::of(ImageKind::Gif, GIF), Some((16, 16)));
    assert_eq!(dimensions::of(ImageKind::Webp, WEBP), Some((24, 24)));
    let (width, height) = dimensions::of(ImageKind::Jpeg, PHOTO).unwrap();
    assert!(width > 0 && height > 0);
    assert!(dimensions::acceptable((8000, 6000)));
    for too_large in [(10_001, 10), (10, 10_001), (10_000, 10_000), (0, 10)] {
        assert!(!dimensions::acceptable(too_large), "{too_large:?}");
    }
}

/// `bytes` with `patch` written at `at`.
fn patched(bytes: &[u8], at: usize, patch: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at..at + patch.len()].copy_from_slice(patch);
    out
}

/// Where the JPEG's frame header (SOF0 or SOF2) starts.
fn jpeg_frame(bytes: &[u8]) -> usize {
    bytes
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0] || pair == [0xFF, 0xC2])
        .unwrap()
}

#[test]
fn a_few_bytes_declaring_a_huge_picture_are_refused() {
    let huge = 30_000u32;
    let frame = jpeg_frame(PHOTO);
    let bombs = [
        patched(PNG, 16, &[huge.to_be_bytes(), huge.to_be_bytes()].concat()),
        patched(
            GIF,
            6,
            &[(huge as u16).to_le_bytes(), (huge as u16).to_le_bytes()].concat(),
        ),
        patched(
            PHOTO,
            frame + 5,
            &[(huge as u16).to_be_bytes(), (huge as u16).to_be_bytes()].concat(),
        ),
        patched(WEBP, 26, &[0xFF, 0x3F, 0xFF, 0x3F]),
        patched(&webp_with_metadata(), 24, &[0xFF, 0xFF, 0x00, 0xFF, 0xFF, 0x00]),
    ];
    for bomb in bombs {
        let kind = ImageKind::detect(&bomb).unwrap();
        assert!(
            matches!(sanitize(&bomb), Err(ImageError::TooLarge { .. })),
            "{kind:?}: {:?}",
            sanitize(&bomb)
        );
    }
}

/// `bytes` with `insert` placed `before_end` bytes before its end.
fn with_inserted(bytes: &[u8], before_end: usize, insert: &[u8]) -> Vec<u8> {
    let at = bytes.len() - before_end;
    [&bytes[..at], insert, &bytes[at..]].concat()
}

#[test]
fn jpeg_segments_after_the_first_scan_are_stripped_too() {
    let comment = [&[0xFF, 0xFE, 0x00, 0x10][..], b"secret comment"].concat();
    let exif = [&[0xFF, 0xE1, 0x00, 0x12][..], b"Exif\0\0GPS 31.88N"].concat();
    let tail = sanitize(PHOTO).unwrap().bytes;
    let planted = with_inserted(&tail, 2, &[comment, exif].concat());
    let clean = sanitize(&planted).unwrap().bytes;
    assert!(!contains(&clean, b"secret comment") && !contains(&clean, b"31.88N"));
    assert_eq!(clean, tail, "only the planted segments went");
}

#[test]
fn unknown_png_and_webp_chunks_are_stripped_and_unknown_critical_png_chunks_refused() {
    let png_chunk =
        |kind: &[u8; 4], data: &[u8]| [&(data.len() as u32).to_be_bytes()[..], kind, data, &[0, 0, 0, 0]].concat();
    let private = with_inserted(PNG, 12, &png_chunk(b"prVt", b"secret comment"));
    assert!(!contains(&sanitize(&private).unwrap().bytes, b"secret comment"));
    let critical = with_inserted(PNG, 12, &png_chunk(b"SECR", b"secret comment"));
    assert_eq!(sanitize(&critical), Err(ImageError::Malformed("PNG")));

    let mut webp = WEBP.to_vec();
    webp.extend_from_slice(b"ABCD\x0e\0\0\0secret comment");
    let size = (webp.len() - 8) as u32;
    webp[4..8].copy_from_slice(&size.to_le_bytes());
    let clean = sanitize(&webp).unwrap().bytes;
    assert!(!contains(&clean, b"secret comment"));
    assert_eq!(clean, sanitize(WEBP).unwrap().bytes);
}
