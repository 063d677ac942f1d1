//! Turning a stage into TwiML. Waiting for the TwiML writer.
