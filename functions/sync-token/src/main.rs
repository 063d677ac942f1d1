//! Lambda entry point: configuration and clients once per process, then the handler.

// A Lambda instance serves one invocation at a time: one thread is all it can use,
// and it starts faster and hands no work between threads.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    callflow::runtime::run_function(sync_token::FUNCTION).await
}
