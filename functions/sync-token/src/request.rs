//! Reading `identity` and `ttl` from the query (GET), a form or JSON (POST).

use callflow::http::{ErrorResponse, FORM_CONTENT_TYPE, MAX_BODY_BYTES};
use callflow::webhook::Form;
use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::http::Method;
use lambda_http::Request;
use serde::Deserialize;

/// What a token request asks for, as sent (the identity is checked later).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenParams {
    /// `identity` (or Twilio-style `Identity`); empty counts as missing.
    #[serde(default, alias = "Identity")]
    pub identity: Option<String>,
    /// `ttl` (or `Ttl`) in seconds.
    #[serde(default, alias = "Ttl", deserialize_with = "ttl_from_json")]
    pub ttl: Option<u64>,
}

impl TokenParams {
    /// Reads the query of a GET, or the form / JSON body of a POST.
    pub fn read(req: &Request) -> Result<TokenParams, ErrorResponse> {
        let params = if req.method() == Method::POST {
            let body = req.body().as_ref();
            if body.len() > MAX_BODY_BYTES {
                return Err(ErrorResponse::payload_too_large(MAX_BODY_BYTES));
            }
            let content_type = req
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            match content_type {
                Some(t) if t.starts_with("application/json") => {
                    serde_json::from_slice::<TokenParams>(body).map_err(|e| {
                        ErrorResponse::bad_request(format!(
                            "body is not a JSON token request ({{\"identity\": \"...\", \"ttl\": seconds}}): {e}"
                        ))
                    })?
                }
                Some(t) if t.starts_with(FORM_CONTENT_TYPE) => from_form(&Form::parse(body)?)?,
                other => {
                    return Err(ErrorResponse::unsupported_media_type(
                        other,
                        "application/x-www-form-urlencoded or application/json",
                    ))
                }
            }
        } else {
            from_form(&Form::parse(
                req.uri().query().unwrap_or_default().as_bytes(),
            )?)?
        };
        Ok(TokenParams {
            identity: params.identity.filter(|i| !i.is_empty()),
            ..params
        })
    }
}

fn from_form(form: &Form) -> Result<TokenParams, ErrorResponse> {
    let field = |lower: &str, upper: &str| form.get(lower).or(form.get(upper));
    let ttl = match field("ttl", "Ttl").filter(|t| !t.is_empty()) {
        None => None,
        Some(text) => Some(parse_ttl(text)?),
    };
    Ok(TokenParams {
        identity: field("identity", "Identity").map(str::to_owned),
        ttl,
    })
}

fn parse_ttl(text: &str) -> Result<u64, ErrorResponse> {
    text.parse::<u64>().map_err(|_| {
        ErrorResponse::bad_request(format!(
            "ttl must be a whole number of seconds, got {text:?}"
        ))
    })
}

/// JSON `ttl`: a number of seconds, or the same as a string (as forms send it).
fn ttl_from_json<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ttl {
        Number(u64),
        Text(String),
    }
    match Option::<Ttl>::deserialize(de)? {
        None => Ok(None),
        Some(Ttl::Number(n)) => Ok(Some(n)),
        Some(Ttl::Text(t)) => t.parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("ttl {t:?} is not a whole number of seconds"))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;

    fn get(uri: &str) -> Request {
        lambda_http::http::Request::builder()
            .uri(uri)
            .body(Body::Empty)
            .expect("request")
    }

    fn post(content_type: &str, body: &str) -> Request {
        lambda_http::http::Request::builder()
            .method("POST")
            .uri("/sync-token")
            .header("content-type", content_type)
            .body(Body::Binary(body.as_bytes().to_vec()))
            .expect("request")
    }

    #[test]
    fn query_form_and_json_read_the_same() {
        let want = TokenParams {
            identity: Some("alice".into()),
            ttl: Some(600),
        };
        assert_eq!(
            TokenParams::read(&get("/sync-token?identity=alice&ttl=600")).ok(),
            Some(want.clone())
        );
        assert_eq!(
            TokenParams::read(&post(FORM_CONTENT_TYPE, "Identity=alice&Ttl=600")).ok(),
            Some(want.clone())
        );
        assert_eq!(
            TokenParams::read(&post(
                "application/json",
                r#"{"identity":"alice","ttl":600}"#
            ))
            .ok(),
            Some(want.clone())
        );
        assert_eq!(
            TokenParams::read(&post(
                "application/json; charset=utf-8",
                r#"{"identity":"alice","ttl":"600"}"#
            ))
            .ok(),
            Some(want)
        );
    }

    #[test]
    fn empty_identity_is_missing_and_bad_ttls_are_400() {
        let params = TokenParams::read(&get("/sync-token?identity=")).expect("params");
        assert_eq!(params.identity, None);
        for uri in [
            "/sync-token?identity=a&ttl=-1",
            "/sync-token?identity=a&ttl=1h",
        ] {
            let e = TokenParams::read(&get(uri)).expect_err(uri);
            assert_eq!(e.status, 400, "{uri}");
        }
        let e = TokenParams::read(&post("application/json", r#"{"identity":"a","ttl":1.5}"#))
            .expect_err("fractional ttl");
        assert_eq!(e.status, 400);
        let e = TokenParams::read(&post("text/plain", "identity=a")).expect_err("415");
        assert_eq!(e.status, 415);
    }
}
