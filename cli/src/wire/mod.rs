//! `callflow wire`: points a Twilio phone number at the deployed functions.
//!
//! It reads the number (`IncomingPhoneNumbers?PhoneNumber=…`), sets its voice URL, status
//! callback and voice fallback URL, all POST, to store-call-state ([`plan`] says why the
//! fallback goes there too), checks that the Sync service the functions use exists, and
//! on `--create-api-key` makes the API key `sync-token` signs with (its secret is
//! printed once). It changes only what differs, so a second run says "no change", and
//! `--dry-run` prints the change as a diff without making it. The base URL is given, or
//! read from the SAM stack's outputs ([`stack`]). Twilio's refusals are explained in a
//! line each.
//!
//! It talks to Twilio's REST API at `--api-url` (`TWILIO_API_URL`, default
//! `https://api.twilio.com`); `callflow serve` and `sync-emulator` serve the same API
//! locally, with their seeded numbers.

pub mod plan;
pub mod stack;

use anyhow::{bail, Context as _};
use callflow::config::var;
use serde_json::Value;

use crate::credentials;
use crate::rest::{Refusal, Rest};

/// Twilio's REST API (the same default the functions' `TWILIO_API_URL` has).
pub use callflow::config::DEFAULT_API_URL;
/// Twilio's Sync API.
pub const DEFAULT_SYNC_URL: &str = "https://sync.twilio.com";
/// The friendly name of the API key `--create-api-key` makes.
pub const KEY_NAME: &str = "callflow sync-token";

/// The flags of `callflow wire`.
#[derive(Debug, Clone, clap::Args)]
pub struct WireArgs {
    /// The number to wire, E.164 (+12065550100)
    #[arg(long)]
    pub number: String,
    /// Where the functions are, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`
    #[arg(long, required_unless_present = "stack", conflicts_with = "stack")]
    pub base_url: Option<String>,
    /// Read the base URL from this SAM stack's outputs (needs the AWS CLI)
    #[arg(long)]
    pub stack: Option<String>,
    /// Print the change as a diff and make none
    #[arg(long)]
    pub dry_run: bool,
    /// Also create an API key for sync-token (its secret is printed once)
    #[arg(long)]
    pub create_api_key: bool,
    /// Base URL of Twilio's REST API (`callflow serve`'s for its local numbers)
    #[arg(long, env = var::TWILIO_API_URL, default_value = DEFAULT_API_URL)]
    pub api_url: String,
    /// Base URL of Sync [default: Twilio's; --api-url when that is not Twilio's]
    #[arg(long, env = var::TWILIO_SYNC_URL)]
    pub sync_url: Option<String>,
    /// The Sync service the functions use (IS…, or default)
    #[arg(long, env = var::TWILIO_SYNC_SERVICE_SID, default_value = "default")]
    pub sync_service: String,
    /// Account SID (AC…) [default: the pair `callflow serve` keeps in ./.callflow/dev-credentials]
    #[arg(long, env = var::TWILIO_ACCOUNT_SID)]
    pub account_sid: Option<String>,
    /// Auth token of --account-sid
    #[arg(long, env = var::TWILIO_AUTH_TOKEN, hide_env_values = true)]
    pub auth_token: Option<String>,
    /// Authenticate with this API key (SK…) instead of the auth token
    #[arg(long, requires = "api_secret")]
    pub api_key: Option<String>,
    /// Secret of --api-key
    #[arg(long, requires = "api_key", hide_env_values = true)]
    pub api_secret: Option<String>,
}

/// The account, who authenticates, and where.
struct Twilio {
    rest: Rest,
    account: String,
    api: String,
    sync: String,
}

impl Twilio {
    fn new(args: &WireArgs) -> anyhow::Result<Twilio> {
        let (account, user, password) = match (&args.api_key, &args.api_secret) {
            (Some(key), Some(secret)) => {
                let account = match &args.account_sid {
                    Some(sid) => sid.clone(),
                    None => credentials::for_client(None, None, true)?.account_sid,
                };
                (account, key.clone(), secret.clone())
            }
            _ => {
                let c = credentials::for_client(
                    args.account_sid.clone(),
                    args.auth_token.clone(),
                    true,
                )?;
                (c.account_sid.clone(), c.account_sid, c.auth_token)
            }
        };
        let api = args.api_url.trim_end_matches('/').to_owned();
        let sync = match &args.sync_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if api == DEFAULT_API_URL => DEFAULT_SYNC_URL.to_owned(),
            // callflow serve and sync-emulator serve both APIs on one port.
            None => api.clone(),
        };
        Ok(Twilio {
            rest: Rest::new(&user, &password)?,
            account,
            api,
            sync,
        })
    }

    fn account_url(&self) -> String {
        format!("{}/2010-04-01/Accounts/{}", self.api, self.account)
    }

    /// The JSON answer, or Twilio's refusal in one line (what `about` names on a 404).
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        base: &str,
        about: &str,
    ) -> anyhow::Result<Value> {
        match self.rest.send(request, base).await? {
            Ok(body) => Ok(body),
            Err(refusal) => bail!("{}", self.explain(&refusal, base, about)),
        }
    }

    fn explain(&self, refusal: &Refusal, base: &str, about: &str) -> String {
        let said = refusal.said();
        let account = &self.account;
        match refusal.status {
            401 | 403 => format!(
                "Twilio at {base} refused the credentials of account {account} ({said}); set \
                 TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or --account-sid and --auth-token) \
                 to the account's SID and auth token"
            ),
            404 => format!("{about} ({said})"),
            _ => format!("Twilio at {base} refused {about} ({said})"),
        }
    }
}

/// Checks the base URL: absolute http(s), no query or fragment (the function paths are
/// appended to it).
fn check_base(base: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(base)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .filter(|u| u.query().is_none() && u.fragment().is_none())
        .with_context(|| {
            format!("--base-url {base:?} must be an absolute http(s) URL without query, e.g. https://abc.execute-api.eu-west-1.amazonaws.com")
        })?;
    let text = url.as_str().trim_end_matches('/');
    Ok(text
        .strip_suffix(plan::STORE_CALL_STATE)
        .unwrap_or(text)
        .to_owned())
}

/// `callflow wire`.
pub async fn run(args: WireArgs) -> anyhow::Result<()> {
    if !is_e164(&args.number) {
        bail!(
            "--number {:?} is not an E.164 number: + then the country code and number, e.g. +12065550100",
            args.number
        );
    }
    let base = match (&args.base_url, &args.stack) {
        (Some(url), _) => check_base(url)?,
        (None, Some(name)) => check_base(&stack::base_url(name).await?)?,
        (None, None) => bail!("give --base-url https://… or --stack NAME"),
    };
    let twilio = Twilio::new(&args)?;

    // Everything is read and checked before anything is changed.
    let number = find_number(&twilio, &args.number).await?;
    let sid = number
        .get("sid")
        .and_then(Value::as_str)
        .context("the number's resource has no sid")?
        .to_owned();
    let service = check_sync_service(&twilio, &args.sync_service).await?;
    say(&format!(
        "Sync service {} exists ({service})",
        args.sync_service
    ))?;

    let settings = plan::compare(&number, &base);
    let changed = settings.iter().filter(|s| s.changes()).count();
    let label = format!("{} ({sid})", args.number);
    if changed == 0 {
        say(&format!(
            "{} is already wired to {base}{}: no change",
            args.number,
            plan::STORE_CALL_STATE
        ))?;
    } else {
        say(plan::diff(&label, &settings).trim_end())?;
        if args.dry_run {
            say(&format!(
                "dry run: {changed} setting(s) of {} would change; nothing was changed",
                args.number
            ))?;
        } else {
            let form: Vec<(&str, &str)> = settings
                .iter()
                .filter(|s| s.changes())
                .map(|s| (s.param, s.wanted.as_str()))
                .collect();
            let url = format!("{}/IncomingPhoneNumbers/{sid}.json", twilio.account_url());
            let answer = twilio
                .send(
                    twilio.rest.http.post(&url).form(&form),
                    &twilio.api,
                    &format!(
                        "{} ({sid}) went from account {} at {} before its update",
                        args.number, twilio.account, twilio.api
                    ),
                )
                .await?;
            let left: Vec<&str> = plan::compare(&answer, &base)
                .iter()
                .filter(|s| s.changes())
                .map(|s| s.field)
                .collect();
            if !left.is_empty() {
                bail!(
                    "Twilio accepted the update of {} but answers other values for {}",
                    args.number,
                    left.join(", ")
                );
            }
            say(&format!(
                "wired {} to {base}{}: {changed} setting(s) changed",
                args.number,
                plan::STORE_CALL_STATE
            ))?;
        }
    }
    if args.create_api_key {
        api_key(&twilio, args.dry_run).await?;
    }
    Ok(())
}

fn is_e164(n: &str) -> bool {
    n.strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// The number's resource, or why there is none.
async fn find_number(twilio: &Twilio, number: &str) -> anyhow::Result<Value> {
    let url = format!("{}/IncomingPhoneNumbers.json", twilio.account_url());
    let about = format!(
        "{} has no Twilio REST API for account {}; check --api-url",
        twilio.api, twilio.account
    );
    let page = twilio
        .send(
            twilio
                .rest
                .http
                .get(&url)
                .query(&[("PhoneNumber", number), ("PageSize", "50")]),
            &twilio.api,
            &about,
        )
        .await?;
    let found = page
        .get("incoming_phone_numbers")
        .and_then(Value::as_array)
        .and_then(|list| {
            list.iter()
                .find(|n| n.get("phone_number").and_then(Value::as_str) == Some(number))
        })
        .cloned();
    found.with_context(|| {
        format!(
            "{number} is not a phone number of account {} at {}; buy or port it in the Twilio \
             console first, or check --number and the account",
            twilio.account, twilio.api
        )
    })
}

/// The Sync service's SID, or why it is missing.
async fn check_sync_service(twilio: &Twilio, service: &str) -> anyhow::Result<String> {
    let url = format!("{}/v1/Services/{service}", twilio.sync);
    let about = format!(
        "Sync service {service} does not exist in account {} at {}; create one (Twilio \
         console, Sync > Services) or set TWILIO_SYNC_SERVICE_SID to an existing IS… SID",
        twilio.account, twilio.sync
    );
    let body = twilio
        .send(twilio.rest.http.get(&url), &twilio.sync, &about)
        .await?;
    Ok(body
        .get("sid")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned())
}

/// Creates the API key sync-token signs with, unless one named [`KEY_NAME`] exists.
async fn api_key(twilio: &Twilio, dry_run: bool) -> anyhow::Result<()> {
    let keys_url = format!("{}/Keys.json", twilio.account_url());
    let about = format!(
        "{} has no API Keys for account {}; check --api-url",
        twilio.api, twilio.account
    );
    let listed = twilio
        .send(
            twilio
                .rest
                .http
                .get(&keys_url)
                .query(&[("PageSize", "100")]),
            &twilio.api,
            &about,
        )
        .await?;
    let existing = listed
        .get("keys")
        .and_then(Value::as_array)
        .and_then(|keys| {
            keys.iter()
                .find(|k| k.get("friendly_name").and_then(Value::as_str) == Some(KEY_NAME))
        })
        .and_then(|k| k.get("sid"))
        .and_then(Value::as_str);
    if let Some(sid) = existing {
        return say(&format!(
            "API key {sid} ({KEY_NAME:?}) exists already; its secret was printed when it was \
             made (delete it in the console to make a new one)"
        ));
    }
    if dry_run {
        return say(&format!(
            "dry run: an API key {KEY_NAME:?} would be created"
        ));
    }
    let key = twilio
        .send(
            twilio
                .rest
                .http
                .post(&keys_url)
                .form(&[("FriendlyName", KEY_NAME)]),
            &twilio.api,
            &about,
        )
        .await?;
    let sid = key.get("sid").and_then(Value::as_str).unwrap_or("?");
    let secret = key
        .get("secret")
        .and_then(Value::as_str)
        .context("Twilio created the API key but answered no secret")?;
    say(&format!(
        "created API key {sid} ({KEY_NAME:?}); its secret is shown only this once:\n\
         \x20 TWILIO_API_KEY={sid}\n\
         \x20 TWILIO_API_SECRET={secret}\n\
         give them to `sam deploy --guided` as TwilioApiKey and TwilioApiSecret to deploy sync-token"
    ))
}

/// A line on stdout; a closed stdout is an error `main` ends quietly on.
fn say(line: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    writeln!(std::io::stdout().lock(), "{line}").context("cannot write to stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(
            check_base("https://a.example/").expect("ok"),
            "https://a.example"
        );
        assert_eq!(
            check_base("https://a.example/prod/store-call-state").expect("ok"),
            "https://a.example/prod"
        );
        assert!(check_base("a.example").is_err());
        assert!(check_base("ftp://a.example").is_err());
        assert!(check_base("https://a.example/?x=1").is_err());
    }
}
