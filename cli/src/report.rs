//! How the `callflow` command reports a failure: one `error: …` line (or block), each
//! cause said once.
//!
//! anyhow's default report prints the error, then every source under "Caused by:". Our
//! errors (and those of the libraries underneath) often already include their source's
//! text in their own message (`flow is not valid TOML: {0}`), so that report says the
//! same thing twice. [`error_report`] joins the chain with `: ` and leaves out a cause
//! whose text the message so far already contains.

/// The text printed for a failed command, without the `error: ` prefix.
pub fn error_report(error: &anyhow::Error) -> String {
    let mut report = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || report.contains(text) {
            continue;
        }
        if !report.is_empty() {
            report.push_str(": ");
        }
        report.push_str(text);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    /// An error whose message repeats its source's, as `#[error("…: {0}")]` does.
    #[derive(Debug)]
    struct Wrapping(std::io::Error);

    impl std::fmt::Display for Wrapping {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "flow is not valid TOML: {}", self.0)
        }
    }

    impl std::error::Error for Wrapping {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let inner = std::io::Error::other("expected `=`");
        let error = anyhow::Error::new(Wrapping(inner)).context("cannot start");
        assert_eq!(
            error_report(&error),
            "cannot start: flow is not valid TOML: expected `=`"
        );
    }

    #[test]
    fn causes_with_new_information_are_kept_in_order() {
        let error = Err::<(), _>(std::io::Error::other("permission denied"))
            .context("cannot write .callflow/dev-credentials")
            .context("cannot start")
            .unwrap_err();
        assert_eq!(
            error_report(&error),
            "cannot start: cannot write .callflow/dev-credentials: permission denied"
        );
    }
}
