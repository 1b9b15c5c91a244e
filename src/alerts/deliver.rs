//! Sending one alert to one target: the ONE place in usagetop's code that
//! opens a network connection of its own (an HTTP POST to a configured
//! webhook, with reqwest) or starts a program (a configured command, with
//! the alert as JSON on standard input; no shell). Both happen only when the
//! config names them. Secrets (`${VAR}` in a URL or header) are read from the
//! environment here, when sending, and never appear in a message: errors name
//! the host and the variable, never a URL's path or a header's value.

use serde::Serialize;

use super::{Alert, Target, TargetKind};

/// Why a delivery failed, for people (never with a secret in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(pub String);

/// The JSON body of a webhook and a command's standard input.
#[derive(Serialize)]
struct Body<'a> {
    source: &'static str,
    #[serde(flatten)]
    alert: &'a Alert,
}

/// The alert as the JSON sent to webhooks (format `json`) and commands.
#[must_use]
pub fn json_of(alert: &Alert) -> String {
    serde_json::to_string(&Body {
        source: "usagetop",
        alert,
    })
    .unwrap_or_default()
}

/// The body of a `format = "slack"` webhook: `{"text": ...}`.
#[must_use]
pub fn slack_of(alert: &Alert) -> String {
    let mark = match alert.severity {
        super::Severity::Critical => ":rotating_light: ",
        super::Severity::Warning => ":warning: ",
        super::Severity::Info => "",
    };
    serde_json::json!({ "text": format!("{mark}*usagetop*: {}\n{}", alert.title, alert.text) })
        .to_string()
}

/// The host of a URL, for names and messages (`${VAR}` URLs show the variable).
#[must_use]
pub fn host_of(url: &str) -> String {
    if url.starts_with("${") {
        return url.split('}').next().unwrap_or(url).to_owned() + "}";
    }
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    // Never a user or password from the URL.
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_owned()
}

/// `text` with every `${VAR}` replaced by the variable's value.
///
/// # Errors
/// A variable that is not set (named in the message), or an unclosed `${`.
pub fn expand(text: &str, what: &str) -> Result<String, DeliveryError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(DeliveryError(format!(
                "{what}: an unclosed ${{ in the config; write ${{NAME}}"
            )));
        };
        let name = &after[..end];
        let value = std::env::var(name).map_err(|_| {
            DeliveryError(format!(
                "{what}: the environment variable {name} is not set; set it where usagetop runs"
            ))
        })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Sends `alert` to `target`; `Local` targets need nothing sent.
///
/// # Errors
/// What went wrong, without secrets.
#[allow(clippy::disallowed_types)] // the one HTTP client (clippy.toml)
pub async fn send(
    client: &reqwest::Client,
    target: &Target,
    alert: &Alert,
) -> Result<(), DeliveryError> {
    match &target.kind {
        TargetKind::Local => Ok(()),
        TargetKind::Webhook {
            url,
            slack,
            headers,
            timeout,
        } => {
            let host = host_of(url);
            let address = expand(url, "the webhook URL")?;
            let mut request = client
                .post(&address)
                .timeout(*timeout)
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            for (name, value) in headers {
                let value = expand(value, &format!("header {name}"))?;
                let header = reqwest::header::HeaderValue::from_str(&value).map_err(|_| {
                    DeliveryError(format!(
                        "header {name}: its value is not a valid header value"
                    ))
                })?;
                request = request.header(name.as_str(), header);
            }
            let body = if *slack {
                slack_of(alert)
            } else {
                json_of(alert)
            };
            let response = request.body(body).send().await.map_err(|error| {
                let error = error.without_url();
                let why = if error.is_timeout() {
                    format!("no answer within {} s", timeout.as_secs())
                } else if error.is_connect() {
                    "cannot connect (refused, or the host cannot be reached)".to_owned()
                } else if error.is_builder() {
                    "the URL is not valid".to_owned()
                } else {
                    "the request failed".to_owned()
                };
                DeliveryError(format!("webhook {host}: {why}"))
            })?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                Err(DeliveryError(format!(
                    "webhook {host}: the server answered HTTP {}",
                    status.as_u16()
                )))
            }
        }
        TargetKind::Command {
            program,
            args,
            timeout,
        } => run_command(program, args, *timeout, alert).await,
    }
}

#[allow(clippy::disallowed_types)] // the one place a program is run (clippy.toml)
async fn run_command(
    program: &str,
    args: &[String],
    timeout: std::time::Duration,
    alert: &Alert,
) -> Result<(), DeliveryError> {
    use tokio::io::AsyncWriteExt as _;
    let name = std::path::Path::new(program).file_name().map_or_else(
        || program.to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| DeliveryError(format!("command {name}: cannot start it ({error})")))?;
    let input = json_of(alert) + "\n";
    if let Some(mut stdin) = child.stdin.take() {
        // A program that does not read its input still counts by its exit status.
        let _ = stdin.write_all(input.as_bytes()).await;
        drop(stdin);
    }
    match tokio::time::timeout(timeout, child.wait()).await {
        Err(_) => {
            let _ = child.kill().await;
            Err(DeliveryError(format!(
                "command {name}: still running after {} s; it was stopped",
                timeout.as_secs()
            )))
        }
        Ok(Err(error)) => Err(DeliveryError(format!("command {name}: {error}"))),
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(DeliveryError(format!(
            "command {name}: exited with {}",
            status
                .code()
                .map_or_else(|| "a signal".to_owned(), |code| format!("status {code}"))
        ))),
    }
}

/// The HTTP client of the webhooks.
///
/// # Errors
/// The TLS set-up fails.
#[allow(clippy::disallowed_types)] // the one HTTP client (clippy.toml)
pub fn client() -> Result<reqwest::Client, DeliveryError> {
    reqwest::Client::builder()
        .user_agent(concat!("usagetop/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| DeliveryError("cannot set up the HTTP client".to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hosts_never_show_paths_or_passwords() {
        assert_eq!(
            host_of("https://hooks.slack.com/services/T0/B0/secret"),
            "hooks.slack.com"
        );
        assert_eq!(
            host_of("http://user:pw@127.0.0.1:8080/x?token=1"),
            "127.0.0.1:8080"
        );
        assert_eq!(host_of("${SLACK_URL}"), "${SLACK_URL}");
    }

    #[test]
    fn variables_are_expanded_and_a_missing_one_is_named() {
        let error = expand("Bearer ${USAGETOP_SURELY_UNSET_VARIABLE}", "header X").unwrap_err();
        assert!(
            error
                .0
                .contains("USAGETOP_SURELY_UNSET_VARIABLE is not set"),
            "{error}"
        );
        assert!(expand("a ${unclosed", "x").is_err());
        assert_eq!(expand("plain", "x").unwrap(), "plain");
        let path = std::env::var("PATH").unwrap_or_default();
        assert_eq!(expand("${PATH}!", "x").unwrap(), format!("{path}!"));
    }
}
