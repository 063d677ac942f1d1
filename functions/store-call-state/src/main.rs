//! Lambda entry point: configuration and clients once per process, then the handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    callflow::service::run_function(store_call_state::handler).await
}
