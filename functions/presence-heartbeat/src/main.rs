//! Lambda entry point: configuration and clients once per process, then the handler.

use lambda_http::{run, service_fn, Error, Request};

#[tokio::main]
async fn main() -> Result<(), Error> {
    callflow::service::init_tracing();
    let services = callflow::service::Services::from_env()?;
    services.config.log_startup_warnings();
    let services = &services;
    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(presence_heartbeat::handler(services, req).await)
    }))
    .await
}
