//! Lambda entry point: configuration and clients once per process, then the handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    callflow::service::run_function(presence_heartbeat::handler).await
}
