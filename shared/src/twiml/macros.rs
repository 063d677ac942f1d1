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

/// The escape hatch every builder has, like twilio-python's `**kwargs`.
macro_rules! any_attr {
    () => {
        /// Sets any attribute by its TwiML name (`lowerCamelCase`, written as given),
        /// for attributes this builder has no method for. Setting a name twice keeps
        /// the last value.
        #[must_use]
        pub fn attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.0.set(name.into(), value);
            self
        }
    };
}

pub(crate) use {any_attr, bool_attrs, str_attrs, u32_attrs};
