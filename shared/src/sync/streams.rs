//! Message streams: publish-only from REST (messages are not stored).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Req, SyncClient};
use super::error::{SyncError, MAX_MESSAGE_BYTES};
use super::mutate::data_json;
use super::objects::{object_methods, ObjectRef, STREAMS};
use super::retry::Repeat;

/// A published stream message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct StreamMessage<T = Value> {
    /// `TZ…`
    #[serde(default)]
    pub sid: String,
    /// The message body.
    pub data: T,
}

/// One stream, by SID or unique name. Made by [`SyncClient::stream`]; cheap to clone.
///
/// ```no_run
/// use callflow::sync::{OpenMode, SyncClient};
/// use serde_json::json;
///
/// # async fn demo(sync: SyncClient) -> Result<(), callflow::sync::SyncError> {
/// let events = sync.stream("call-events");
/// events.open(OpenMode::OpenOrCreate, None).await?;
/// events.publish(&json!({"call": "CA123", "stage": "menu"})).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct StreamHandle {
    obj: ObjectRef,
}

impl SyncClient {
    /// A handle on the stream with this SID or unique name (no request is made).
    pub fn stream(&self, sid_or_name: impl Into<String>) -> StreamHandle {
        StreamHandle {
            obj: ObjectRef {
                client: self.clone(),
                kind: STREAMS,
                id: sid_or_name.into(),
            },
        }
    }
}

impl StreamHandle {
    object_methods!("stream");

    /// Publishes a message (at most 4 KiB of JSON, refused locally above that). Not
    /// repeated after a lost answer: subscribers would see it twice.
    pub async fn publish<T: Serialize + DeserializeOwned>(
        &self,
        data: &T,
    ) -> Result<StreamMessage<T>, SyncError> {
        let form = vec![("Data", data_json(data, MAX_MESSAGE_BYTES)?)];
        let req = Req::post(
            format!("{}/Messages", self.obj.url()?),
            form,
            Repeat::IfNotApplied,
        );
        let dl = self.obj.client.start();
        self.obj.client.json(&req, &dl).await
    }
}
