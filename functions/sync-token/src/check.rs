//! Who may have a token for which identity: the [`IdentityCheck`] seam.

use std::future::Future;

use callflow::http::{self as web, ErrorResponse};
use callflow::runtime::Services;
use lambda_http::Request;

/// Decides, from the caller's credentials, which identity a token is minted for.
///
/// `asked` is the identity the request names (`identity=` in the query, form or JSON),
/// if any. Answer the identity to mint for (usually `asked`; a session-based check may
/// ignore it and answer the session's user), or refuse: 401 when the credential is
/// missing or invalid, 403 when it is valid but not for this identity. The identity you
/// return is still checked against Twilio's rules (400 if it breaks them).
///
/// A real check, e.g. your own session tokens:
///
/// ```
/// use callflow::http::ErrorResponse;
/// use callflow::runtime::Services;
/// use lambda_http::Request;
/// use sync_token::IdentityCheck;
///
/// struct SessionCookie;
///
/// impl IdentityCheck for SessionCookie {
///     async fn identity(
///         &self,
///         _services: &Services,
///         req: &Request,
///         _asked: Option<&str>,
///     ) -> Result<String, ErrorResponse> {
///         let cookie = req.headers().get("cookie").and_then(|v| v.to_str().ok());
///         match cookie.and_then(|c| c.strip_prefix("session=")) {
///             // Look the session up in your store here; this sketch trusts its name.
///             Some(user) if !user.is_empty() => Ok(user.to_owned()),
///             _ => Err(ErrorResponse::unauthorized("sign in first")),
///         }
///     }
/// }
/// ```
///
/// and deploy it with a `main` of your own that runs
/// `Function { handler: |s, req| Box::pin(async move { sync_token::handle_with(s, &SessionCookie, &req).await }), ..sync_token::FUNCTION }`
/// through `callflow::runtime::run_function`.
pub trait IdentityCheck: Sync {
    /// The identity this request may have a token for, or the refusal.
    fn identity(
        &self,
        services: &Services,
        req: &Request,
        asked: Option<&str>,
    ) -> impl Future<Output = Result<String, ErrorResponse>> + Send;
}

/// `Authorization: Bearer $CALLFLOW_API_TOKEN`: the holder of the API token is a
/// trusted backend and may name any identity.
#[derive(Debug, Clone, Copy, Default)]
pub struct BearerToken;

impl IdentityCheck for BearerToken {
    async fn identity(
        &self,
        services: &Services,
        req: &Request,
        asked: Option<&str>,
    ) -> Result<String, ErrorResponse> {
        let Some(expected) = services.api_token() else {
            return Err(ErrorResponse::forbidden(
                "tokens are not issued here: CALLFLOW_API_TOKEN is not set",
            ));
        };
        web::check_bearer(req.headers(), Some(expected))?;
        match asked {
            Some(identity) => Ok(identity.to_owned()),
            None => Err(ErrorResponse::bad_request(
                "required parameter identity is missing",
            )),
        }
    }
}
