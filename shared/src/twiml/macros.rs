//! Setter generators: every TwiML attribute is one builder method, and these keep the
//! long attribute lists declarative (name, Twilio's spelling, value type).

/// Defines `pub fn $method(self, value: impl Into<String>) -> Self` setters.
macro_rules! str_attrs {
    ($( $(#[$doc:meta])* $method:ident => $name:literal ),* $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $method(mut self, value: impl Into<String>) -> Self {
                self.0.set($name, value);
                self
            }
        )*
    };
}

/// Defines `pub fn $method(self, value: u32) -> Self` setters (written in decimal).
macro_rules! u32_attrs {
    ($( $(#[$doc:meta])* $method:ident => $name:literal ),* $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $method(mut self, value: u32) -> Self {
                self.0.set($name, value.to_string());
                self
            }
        )*
    };
}

/// Defines `pub fn $method(self, value: bool) -> Self` setters (`true` / `false`).
macro_rules! bool_attrs {
    ($( $(#[$doc:meta])* $method:ident => $name:literal ),* $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $method(mut self, value: bool) -> Self {
                self.0.set($name, $crate::twiml::node::bool_str(value));
                self
            }
        )*
    };
}

/// Declares a typed builder: a newtype over [`Element`](super::Element) that converts
/// into one, with the open-element methods every builder has (`attr`, `kwarg`, `text`,
/// `child`, like twilio-python's `**kwargs`, `nest` and `add_child`).
macro_rules! twiml_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(pub(crate) $crate::twiml::Element);

        impl From<$name> for $crate::twiml::Element {
            fn from(typed: $name) -> Self {
                typed.0
            }
        }

        impl $name {
            /// Sets any attribute by its TwiML name (written as given), for attributes
            /// this builder has no method for. Setting a name twice keeps the last value.
            #[must_use]
            pub fn attr(mut self, name: impl Into<String>, value: impl std::fmt::Display) -> Self {
                self.0 = self.0.attr(name, value);
                self
            }

            /// Sets an attribute named as twilio-python names keyword argument
            /// `python_name` (`status_callback` → `statusCallback`).
            #[must_use]
            pub fn kwarg(mut self, python_name: &str, value: impl std::fmt::Display) -> Self {
                self.0 = self.0.kwarg(python_name, value);
                self
            }

            /// Appends text after what is already inside (empty text is dropped).
            #[must_use]
            pub fn text(mut self, text: impl Into<String>) -> Self {
                self.0.push_text(text);
                self
            }

            /// Appends any child element: an [`Element`]($crate::twiml::Element) for
            /// what this builder has no method for, or another typed builder.
            #[must_use]
            pub fn child(mut self, child: impl Into<$crate::twiml::Element>) -> Self {
                self.0.push(child.into());
                self
            }
        }
    };
}

/// Defines `pub fn $method(self, child: $ty) -> Self` nesting methods.
macro_rules! children {
    ($( $(#[$doc:meta])* $method:ident($ty:ty) ),* $(,)?) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $method(mut self, child: $ty) -> Self {
                self.0.push(child.into());
                self
            }
        )*
    };
}

/// Defines the answering-machine-detection setters `<Number>` and `<Sip>` share
/// (`machineDetection`, its callback and its timings).
macro_rules! amd_attrs {
    () => {
        str_attrs! {
            /// `machineDetection`: `Enable` or `DetectMessageEnd`.
            machine_detection => "machineDetection",
            /// `amdStatusCallback` URL.
            amd_status_callback => "amdStatusCallback",
            /// `amdStatusCallbackMethod`.
            amd_status_callback_method => "amdStatusCallbackMethod",
        }
        u32_attrs! {
            /// `machineDetectionTimeout` in seconds.
            machine_detection_timeout => "machineDetectionTimeout",
            /// `machineDetectionSpeechThreshold` in milliseconds.
            machine_detection_speech_threshold => "machineDetectionSpeechThreshold",
            /// `machineDetectionSpeechEndThreshold` in milliseconds.
            machine_detection_speech_end_threshold => "machineDetectionSpeechEndThreshold",
            /// `machineDetectionSilenceTimeout` in milliseconds.
            machine_detection_silence_timeout => "machineDetectionSilenceTimeout",
        }
    };
}

pub(crate) use {amd_attrs, bool_attrs, children, str_attrs, twiml_type, u32_attrs};
