//! The page a mailed verification link opens. Opening it changes nothing: mail scanners and
//! link previews fetch links on their own, so only the button on the page (a POST to the same
//! address) confirms. The reply to that POST is a page too when a browser sends it.

use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HeaderMap, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::response::{IntoResponse, Response};

const CONFIRM: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>FOOF 校园身份认证</title></head>\
<body><h1>FOOF 校园身份认证</h1><p>确认这是你本人申请的认证后，点击下面的按钮完成认证。</p>\
<form method=\"post\"><button type=\"submit\">确认认证</button></form></body></html>\n";

const CONFIRMED: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>FOOF 校园身份认证</title></head><body><h1>认证成功</h1><p>现在可以回到 FOOF 了。</p></body></html>\n";

const REFUSED: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<title>FOOF 校园身份认证</title></head><body><h1>链接无效</h1>\
<p>这个链接已过期、已使用，或已被更新的认证邮件取代。请在 FOOF 中重新申请认证。</p></body></html>\n";

fn page(html: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (CACHE_CONTROL, "no-store"),
            // The token is in the address: it must not leave in a Referer header.
            (REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

/// `GET /user/mail/verify/{token}`: the page with the button.
pub fn confirmation_page() -> Response {
    page(CONFIRM)
}

/// Whether the caller reads pages (a browser submitting the form) rather than JSON.
pub fn wants_a_page(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The outcome of the POST, as a page.
pub fn outcome_page(confirmed: bool) -> Response {
    page(if confirmed { CONFIRMED } else { REFUSED })
}
