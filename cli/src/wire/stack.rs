//! `--stack NAME`: the functions' base URL from the SAM stack's outputs, read with the
//! AWS CLI (`aws cloudformation describe-stacks`), which holds the user's AWS
//! credentials and region; callflow does not.

use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::Value;

use super::plan::STORE_CALL_STATE;

/// The output of template.yaml that names store-call-state's URL.
pub const OUTPUT: &str = "VoiceWebhookUrl";

/// How long `aws` may take.
const DEADLINE: Duration = Duration::from_secs(60);

/// The base URL of the functions the stack `name` deployed.
pub async fn base_url(name: &str) -> anyhow::Result<String> {
    let mut command = tokio::process::Command::new("aws");
    command
        .args([
            "cloudformation",
            "describe-stacks",
            "--stack-name",
            name,
            "--output",
            "json",
        ])
        .kill_on_drop(true);
    let output = match tokio::time::timeout(DEADLINE, command.output()).await {
        Err(_) => bail!("aws cloudformation describe-stacks did not answer within {DEADLINE:?}"),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "--stack needs the AWS CLI (`aws`) on PATH; without it give --base-url with the \
             stack's {OUTPUT} output minus {STORE_CALL_STATE}"
        ),
        Ok(result) => result.context("cannot run aws cloudformation describe-stacks")?,
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr.lines().map(str::trim).find(|l| !l.is_empty());
        bail!(
            "aws cloudformation describe-stacks --stack-name {name} failed: {}",
            line.unwrap_or("no message")
        );
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .context("aws cloudformation describe-stacks did not answer JSON")?;
    from_outputs(&json, name)
}

/// The base URL in a `describe-stacks` answer: the [`OUTPUT`] value without its
/// function path.
pub fn from_outputs(describe: &Value, name: &str) -> anyhow::Result<String> {
    let outputs = describe
        .pointer("/Stacks/0/Outputs")
        .and_then(Value::as_array)
        .with_context(|| format!("stack {name} has no outputs; has `sam deploy` finished?"))?;
    let url = outputs
        .iter()
        .find(|o| o.get("OutputKey").and_then(Value::as_str) == Some(OUTPUT))
        .and_then(|o| o.get("OutputValue"))
        .and_then(Value::as_str)
        .with_context(|| {
            format!("stack {name} has no {OUTPUT} output; is it callflow's template.yaml?")
        })?;
    Ok(url.strip_suffix(STORE_CALL_STATE).unwrap_or(url).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_voice_webhook_output() {
        let describe = json!({"Stacks": [{"StackName": "callflow", "Outputs": [
            {"OutputKey": "GetCallStateUrl", "OutputValue": "https://abc.execute-api.eu-west-1.amazonaws.com/get-call-state"},
            {"OutputKey": "VoiceWebhookUrl", "OutputValue": "https://abc.execute-api.eu-west-1.amazonaws.com/store-call-state",
             "Description": "Paste into the Twilio console"}
        ]}]});
        assert_eq!(
            from_outputs(&describe, "callflow").expect("url"),
            "https://abc.execute-api.eu-west-1.amazonaws.com"
        );
        let none = json!({"Stacks": [{"StackName": "x"}]});
        assert!(from_outputs(&none, "x").is_err());
    }
}

#[cfg(test)]
mod template_tests {
    use super::*;

    /// The output `--stack` reads is the one template.yaml declares, and it names
    /// store-call-state.
    #[test]
    fn template_declares_the_output() {
        let template = include_str!("../../../template.yaml");
        let at = template
            .find(&format!("\n  {OUTPUT}:"))
            .expect("template.yaml declares the output --stack reads");
        let value = template[at..]
            .lines()
            .find(|l| l.trim_start().starts_with("Value:"))
            .expect("the output has a Value");
        assert!(
            value.trim_end().ends_with(&format!("{STORE_CALL_STATE}\"")),
            "{value}"
        );
    }
}
