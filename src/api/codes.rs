//! Every `errorCode` the API answers with, in one place. Where SPEC §9 names the vendor's
//! own code it is used verbatim (a service's refusal carries it, `FieldError::vendor_code`);
//! every other code is `1` followed by the HTTP status it comes with. A code never changes
//! meaning: clients switch on them.

/// 400: invalid input; one entry per field message, the description names the field.
pub const INVALID_INPUT: u32 = 1400;
/// 401: no token, an unknown or revoked token, or its admin is disabled.
pub const UNAUTHENTICATED: u32 = 1401;
/// 403: the token's admin holds no role that allows this.
pub const FORBIDDEN: u32 = 1403;
/// 404: no such resource, or not the caller's to see (existence does not leak).
pub const NOT_FOUND: u32 = 1404;
/// 405: the resource exists but not with this method.
pub const METHOD_NOT_ALLOWED: u32 = 1405;
/// 409: conflicts with the current state (a duplicate, a state that forbids it).
pub const CONFLICT: u32 = 1409;
/// 413: the request body is too large.
pub const PAYLOAD_TOO_LARGE: u32 = 1413;
/// 415: the body is not JSON.
pub const UNSUPPORTED_MEDIA_TYPE: u32 = 1415;
/// 422: the JSON body does not have the expected shape.
pub const UNPROCESSABLE: u32 = 1422;
/// 429: rate limited; `Retry-After` says when to try again.
pub const TOO_MANY_REQUESTS: u32 = 1429;
/// 500: our fault; the trackingId finds the log entry.
pub const INTERNAL: u32 = 1500;
/// 503: the database is briefly unreachable.
pub const UNAVAILABLE: u32 = 1503;
/// SPEC §9 (vendor): a subscriber's email already belongs to an existing user. The
/// customer rules define it, as they refuse with it.
pub const EMAIL_IN_USE: u32 = crate::services::customer::rules::EMAIL_IN_USE_CODE;
/// SPEC §9 (vendor, billing reports, under `code`): no such billing report.
pub const BILLING_REPORT_NOT_FOUND: u32 = 2024;

/// The vendor's exact description of `BILLING_REPORT_NOT_FOUND`.
pub const BILLING_REPORT_NOT_FOUND_TEXT: &str = "Billing Report not found.";

/// The code that goes with an HTTP status when nothing more specific applies.
pub fn for_status(status: axum::http::StatusCode) -> u32 {
    match status.as_u16() {
        400 => INVALID_INPUT,
        401 => UNAUTHENTICATED,
        403 => FORBIDDEN,
        404 => NOT_FOUND,
        405 => METHOD_NOT_ALLOWED,
        409 => CONFLICT,
        413 => PAYLOAD_TOO_LARGE,
        415 => UNSUPPORTED_MEDIA_TYPE,
        422 => UNPROCESSABLE,
        429 => TOO_MANY_REQUESTS,
        503 => UNAVAILABLE,
        s if (400..500).contains(&s) => INVALID_INPUT,
        _ => INTERNAL,
    }
}
