//! Studio's Liquid dialect on top of the `liquid` crate.
//!
//! Studio renders widget properties with Shopify-compatible Liquid plus Twilio's `to_json`
//! filter. The `liquid` crate is close but differs where real exported flows notice, so this
//! module owns the adaptations (and nothing else: parsing, filters and tags are the crate's):
//!
//! - **Lenient lookups.** Studio renders an undefined variable or a missing key as nil; the
//!   crate errors. Rendering goes through `Lenient`, a `Runtime` layer whose `get` falls back
//!   to nil where the crate's frames would fail. It also serves the JSON context directly
//!   (walking `serde_json::Value` and converting only the value a template reads), so a render
//!   does not copy the whole context (widget outputs can hold big HTTP bodies) into liquid
//!   values.
//! - **`split`** with Ruby's `String#split` semantics (`split: ""` gives characters; trailing
//!   empty strings dropped), which digit-by-digit read-backs rely on.
//! - **`to_json`**, Twilio's filter for HTTP bodies.
//! - **`for`** stops after [`FOR_LOOP_LIMIT`] iterations (Studio's documented limit).
//! - **`{{a.b. c}}`** (a space after a dot, found in a published flow) reads as `a.b.c`, as in
//!   Shopify's lax parser.
//!
//! - **Math filters** (`plus`, `minus`, ...) read nil as 0 and a non-numeric string as its
//!   leading integer, as Shopify's `to_number` does; the crate errors.
//!
//! Templates are parsed once at flow load ([`Template::parse`]) and rendered many times.
//!
//! Known differences that remain (the crate's, rare in flows): indexing with an undefined
//! variable (`list[undefined]`) is a render error rather than nil; floats render Rust's way
//! (`5` for 5.0); `date` uses the process's time zone (UTC on Lambda); `tablerow` is not
//! limited to 15 iterations.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use liquid_core::error::ResultLiquidExt;
use liquid_core::model::{KString, KStringCow, KStringRef, Object, ScalarCow, Value, ValueCow};
use liquid_core::parser::{
    BlockElement, FilterArguments, FilterReflection, ParameterReflection, TryMatchToken,
};
use liquid_core::runtime::{
    Interrupt, InterruptRegister, PartialStore, Registers, RuntimeBuilder, StackFrame,
};
use liquid_core::{
    BlockReflection, Error, Expression, Filter, Language, ParseBlock, ParseFilter, ParseTag,
    Renderable, Runtime, TagBlock, TagReflection, TagTokenIter, ValueView,
};

/// Studio's limit: "15 iterations per Liquid for loop". Further iterations are not run.
pub const FOR_LOOP_LIMIT: usize = 15;

/// A template parsed once at flow load. Cheap to render many times; `Send + Sync`, and
/// cloning shares the parsed form.
#[derive(Clone)]
pub struct Template {
    source: String,
    /// `None` for a literal (no `{{` or `{%`): rendering returns the source.
    parsed: Option<Arc<liquid_core::Template>>,
}

/// A template that does not parse, or a render that failed (e.g. a filter given a value it
/// cannot handle). The message is the crate's, on one line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What went wrong, readable by a flow author.
    pub message: String,
}

impl TemplateError {
    fn from_liquid(error: &Error) -> TemplateError {
        TemplateError {
            message: one_line(&error.to_string()),
        }
    }
}

/// The crate's error text on one line, without its noise.
///
/// Syntax errors come from pest as a source excerpt with a caret (`--> 1:10`, `1 | {{ a | }}`,
/// `= expected Identifier`), which becomes "expected Identifier (line 1, column 10)"; other
/// errors are "liquid: msg", "from: {% trace %}", "with:", "key=value" lines, joined with "; ",
/// minus the crate's list of every available filter or index.
fn one_line(text: &str) -> String {
    let mut position = None;
    let mut pest_message = None;
    let mut parts: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("liquid:").map_or(line, str::trim);
        let source_echo = line.starts_with('|')
            || line
                .split_once(" |")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if line.is_empty() || line == "with:" || source_echo || line.starts_with("available ") {
            continue;
        }
        if let Some(p) = line.strip_prefix("--> ") {
            position = Some(p.trim());
        } else if let Some(m) = line.strip_prefix("= ") {
            pest_message = Some(m.trim());
        } else {
            parts.push(line);
        }
    }
    let mut message = String::new();
    if let Some(m) = pest_message {
        message.push_str(m);
        if let Some((line, column)) = position.and_then(|p| p.split_once(':')) {
            message.push_str(&format!(" (line {line}, column {column})"));
        }
    }
    for part in parts {
        if !message.is_empty() {
            message.push_str("; ");
        }
        message.push_str(part);
    }
    if message.is_empty() {
        message.push_str("template error");
    }
    message
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Parses `source`; syntax errors (an unclosed `{% if %}`, an unknown filter, `{{ a | }}`)
    /// are reported here, at flow load, not when a caller reaches the widget.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        if is_literal_source(source) {
            return Ok(Template {
                source: source.to_owned(),
                parsed: None,
            });
        }
        let language = language().map_err(|e| TemplateError {
            message: e.message.clone(),
        })?;
        let prepared = join_spaced_dots(source);
        let elements = liquid_core::parser::parse(&prepared, language)
            .map_err(|e| TemplateError::from_liquid(&e))?;
        Ok(Template {
            source: source.to_owned(),
            parsed: Some(Arc::new(liquid_core::Template::new(elements))),
        })
    }

    /// Renders against a context that is a JSON object (keys `trigger`, `flow`, `widgets`,
    /// `contact`, ...). A context that is not an object renders as if it were empty.
    pub fn render(&self, context: &serde_json::Value) -> Result<String, TemplateError> {
        let Some(parsed) = &self.parsed else {
            return Ok(self.source.clone());
        };
        let base = RuntimeBuilder::new().build();
        let runtime = Lenient {
            parent: &base,
            globals: context.as_object(),
        };
        let mut out = Vec::with_capacity(self.source.len() + 64);
        parsed
            .render_to(&mut out, &runtime)
            .map_err(|e| TemplateError::from_liquid(&e))?;
        // Every input and filter produces UTF-8; a lossy conversion only guards the invariant.
        Ok(match String::from_utf8(out) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The template as written in the flow.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the source has no `{{` or `{%`: render returns the source without running the
    /// engine.
    pub fn is_literal(&self) -> bool {
        self.parsed.is_none()
    }
}

fn is_literal_source(source: &str) -> bool {
    !source.contains("{{") && !source.contains("{%")
}

// ---------------------------------------------------------------------------------------------
// The language: the crate's standard library, plus Studio's filters and `for`.

/// Why building the language can fail: only if the crate's builder does; kept so that
/// `parse` reports it instead of panicking.
struct LanguageError {
    message: String,
}

/// The parsed-language tables, built once per process.
///
/// `liquid::Parser` keeps its `Language` private and always renders with a strict runtime, so
/// the language is taken out of it once (by a probe tag that sees it while parsing) and
/// templates are then parsed with `liquid_core::parser::parse` and rendered with
/// [`Lenient`]. The probe is removed from the copy.
fn language() -> Result<&'static Language, &'static LanguageError> {
    static LANGUAGE: OnceLock<Result<Language, LanguageError>> = OnceLock::new();
    LANGUAGE.get_or_init(build_language).as_ref()
}

const PROBE_TAG: &str = "__callflow_language_probe";

fn build_language() -> Result<Language, LanguageError> {
    let slot = Arc::new(Mutex::new(None));
    let parser = liquid::ParserBuilder::with_stdlib()
        .block(StudioFor)
        .filter(RubySplit)
        .filter(ToJson)
        .tag(LanguageProbe { slot: slot.clone() })
        .build()
        .map_err(|e| LanguageError {
            message: TemplateError::from_liquid(&e).message,
        })?;
    parser
        .parse(&format!("{{% {PROBE_TAG} %}}"))
        .map_err(|e| LanguageError {
            message: TemplateError::from_liquid(&e).message,
        })?;
    let captured = slot.lock().ok().and_then(|mut s| s.take());
    let Some(mut language) = captured else {
        return Err(LanguageError {
            message: "liquid: could not capture the language".to_owned(),
        });
    };
    let mut tags = liquid_core::parser::PluginRegistry::new();
    for name in language.tags.plugin_names() {
        if name != PROBE_TAG {
            if let Some(tag) = language.tags.get(name) {
                tags.register(name.to_owned(), tag.clone());
            }
        }
    }
    language.tags = tags;
    for name in MATH_FILTERS {
        if let Some(inner) = language.filters.get(name).cloned() {
            language
                .filters
                .register((*name).to_owned(), Box::new(RubyNumbers { inner }));
        }
    }
    Ok(language)
}

#[derive(Clone)]
struct LanguageProbe {
    slot: Arc<Mutex<Option<Language>>>,
}

impl TagReflection for LanguageProbe {
    fn tag(&self) -> &str {
        PROBE_TAG
    }
    fn description(&self) -> &str {
        "internal: captures the parser's language once at start-up"
    }
}

impl ParseTag for LanguageProbe {
    fn parse(
        &self,
        _arguments: TagTokenIter<'_>,
        options: &Language,
    ) -> liquid_core::Result<Box<dyn Renderable>> {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some(options.clone());
        }
        Ok(Box::new(Nothing))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Nothing;

impl Renderable for Nothing {
    fn render_to(&self, _: &mut dyn Write, _: &dyn Runtime) -> liquid_core::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient lookups over the JSON context.

/// A runtime layer that answers nil where the crate's frames would error (an undefined
/// variable, a missing key, indexing past the end), and serves `globals` (the JSON context)
/// without converting it up front.
///
/// The crate's frames fail in `Runtime::get` (via `model::find`); `try_get` walks the same
/// path and returns `None` instead, so `get` here is `try_get` or nil. Names the parent knows
/// (`assign`ed variables, loop variables) shadow the context, as in Liquid.
struct Lenient<'j, P> {
    parent: P,
    globals: Option<&'j serde_json::Map<String, serde_json::Value>>,
}

impl<P: Runtime> Runtime for Lenient<'_, P> {
    fn partials(&self) -> &dyn PartialStore {
        self.parent.partials()
    }

    fn name(&self) -> Option<KStringRef<'_>> {
        self.parent.name()
    }

    fn roots(&self) -> BTreeSet<KStringCow<'_>> {
        let mut roots = self.parent.roots();
        if let Some(globals) = self.globals {
            roots.extend(globals.keys().map(|k| KStringCow::from_ref(k)));
        }
        roots
    }

    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        let root = path.first()?;
        if let Some(found) = self.parent.try_get(path) {
            return Some(found);
        }
        let globals = self.globals?;
        // A name the parent holds shadows the context even when the rest of the path misses.
        if path.len() > 1 && self.parent.try_get(&path[..1]).is_some() {
            return None;
        }
        let value = globals.get(root.to_kstr().as_str())?;
        json_find(value, &path[1..]).map(ValueCow::Owned)
    }

    fn get(&self, path: &[ScalarCow<'_>]) -> liquid_core::Result<ValueCow<'_>> {
        Ok(self.try_get(path).unwrap_or(ValueCow::Owned(Value::Nil)))
    }

    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        self.parent.set_global(name, val)
    }

    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        self.parent.set_index(name, val)
    }

    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        self.parent.get_index(name)
    }

    fn registers(&self) -> &Registers {
        self.parent.registers()
    }
}

/// Follows `path` into `value` with Liquid's indexing (keys, integer indexes counting from the
/// end when negative, `first`, `last`, `size`) and converts only what it lands on.
fn json_find(mut value: &serde_json::Value, path: &[ScalarCow<'_>]) -> Option<Value> {
    use serde_json::Value as J;
    for (i, index) in path.iter().enumerate() {
        let last_step = i + 1 == path.len();
        let key = index.to_kstr();
        let size = |n: usize| last_step.then(|| Value::scalar(n as i64));
        value = match value {
            J::Object(map) => match map.get(key.as_str()) {
                Some(child) => child,
                None if key.as_str() == "size" => return size(map.len()),
                None => return None,
            },
            J::Array(items) => {
                if let Some(n) = index.to_integer() {
                    let n = if n < 0 {
                        items.len().checked_sub(n.unsigned_abs() as usize)?
                    } else {
                        usize::try_from(n).ok()?
                    };
                    items.get(n)?
                } else {
                    match key.as_str() {
                        "first" => items.first()?,
                        "last" => items.last()?,
                        "size" => return size(items.len()),
                        _ => return None,
                    }
                }
            }
            J::String(s) if key.as_str() == "size" => return size(s.chars().count()),
            _ => return None,
        };
    }
    Some(json_to_liquid(value))
}

fn json_to_liquid(value: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match value {
        J::Null => Value::Nil,
        J::Bool(b) => Value::scalar(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::scalar(i),
            None => Value::scalar(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Value::scalar(s.clone()),
        J::Array(items) => Value::Array(items.iter().map(json_to_liquid).collect()),
        J::Object(map) => {
            let mut object = Object::new();
            for (k, v) in map {
                object.insert(KString::from_ref(k), json_to_liquid(v));
            }
            Value::Object(object)
        }
    }
}

fn liquid_to_json(value: &dyn ValueView) -> serde_json::Value {
    use serde_json::Value as J;
    if let Some(scalar) = value.as_scalar() {
        return match scalar.type_name() {
            "whole number" => scalar.to_integer().map_or(J::Null, J::from),
            "fractional number" => scalar
                .to_float()
                .and_then(serde_json::Number::from_f64)
                .map_or(J::Null, J::Number),
            "boolean" => scalar.to_bool().map_or(J::Null, J::Bool),
            _ => J::String(scalar.into_cow_str().into_owned()),
        };
    }
    if let Some(array) = value.as_array() {
        return J::Array(array.values().map(liquid_to_json).collect());
    }
    if let Some(object) = value.as_object() {
        return J::Object(
            object
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), liquid_to_json(v)))
                .collect(),
        );
    }
    J::Null
}

// ---------------------------------------------------------------------------------------------
// Filters.

fn no_parameters() -> &'static [ParameterReflection] {
    &[]
}

/// `to_json`: the value as JSON text (Twilio's filter; HTTP bodies use it).
#[derive(Clone, Debug)]
struct ToJson;

impl FilterReflection for ToJson {
    fn name(&self) -> &str {
        "to_json"
    }
    fn description(&self) -> &str {
        "Renders the value as JSON."
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        no_parameters()
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        no_parameters()
    }
}

impl ParseFilter for ToJson {
    fn parse(&self, mut arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        if arguments.positional.next().is_some() || arguments.keyword.next().is_some() {
            return Err(Error::with_msg("to_json takes no arguments"));
        }
        Ok(Box::new(ToJsonFilter))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct ToJsonFilter;

impl fmt::Display for ToJsonFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("to_json")
    }
}

impl Filter for ToJsonFilter {
    fn evaluate(&self, input: &dyn ValueView, _: &dyn Runtime) -> liquid_core::Result<Value> {
        let json = liquid_to_json(input);
        Ok(Value::scalar(json.to_string()))
    }
}

/// `split` as Shopify's (Ruby's `String#split`): `""` splits into characters, `" "` splits on
/// runs of whitespace, trailing empty strings are dropped. The crate's keeps Rust's `split`
/// (`"1234" | split: ""` → `["", "1", "2", "3", "4", ""]`), which breaks digit read-backs.
#[derive(Clone, Debug)]
struct RubySplit;

impl FilterReflection for RubySplit {
    fn name(&self) -> &str {
        "split"
    }
    fn description(&self) -> &str {
        "Divides a string into an array using the argument as a separator."
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        const PARAMS: &[ParameterReflection] = &[ParameterReflection {
            name: "pattern",
            description: "The separator between each element in the string.",
            is_optional: false,
        }];
        PARAMS
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        no_parameters()
    }
}

impl ParseFilter for RubySplit {
    fn parse(&self, mut arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        let pattern = arguments
            .positional
            .next()
            .ok_or_else(|| Error::with_msg("split needs a separator, e.g. split: \",\""))?;
        if arguments.positional.next().is_some() || arguments.keyword.next().is_some() {
            return Err(Error::with_msg("split takes one argument"));
        }
        Ok(Box::new(RubySplitFilter { pattern }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct RubySplitFilter {
    pattern: Expression,
}

impl fmt::Display for RubySplitFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "split: {}", self.pattern)
    }
}

impl Filter for RubySplitFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let pattern = self.pattern.evaluate(runtime)?;
        let pattern = pattern.to_kstr();
        let input = input.to_kstr();
        Ok(Value::Array(
            ruby_split(input.as_str(), pattern.as_str())
                .into_iter()
                .map(|s| Value::scalar(s.to_owned()))
                .collect(),
        ))
    }
}

/// Ruby's `String#split(separator)` for a string separator.
fn ruby_split<'s>(input: &'s str, separator: &str) -> Vec<&'s str> {
    let mut parts: Vec<&str> = match separator {
        "" => input
            .char_indices()
            .map(|(i, c)| &input[i..i + c.len_utf8()])
            .collect(),
        // Ruby's "awk" mode: a single space splits on whitespace runs, ignoring leading ones.
        " " => input.split_whitespace().collect(),
        sep => input.split(sep).collect(),
    };
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// The crate's math filters, wrapped by [`RubyNumbers`].
const MATH_FILTERS: &[&str] = &[
    "abs",
    "at_least",
    "at_most",
    "ceil",
    "divided_by",
    "floor",
    "minus",
    "modulo",
    "plus",
    "round",
    "times",
];

/// Wraps one of the crate's math filters so that its input and arguments are numbers the way
/// Shopify's `Utils.to_number` makes them: nil is 0, and a string that is not a number is its
/// leading integer (`" 2 "` → 2, `"abc"` → 0). The crate errors on both, and Studio's own FAQ
/// pattern `{% assign i = flow.variables.x | plus: 0 %}` meets nil on a flow's first pass.
#[derive(Clone)]
struct RubyNumbers {
    inner: Box<dyn ParseFilter>,
}

impl ParseFilter for RubyNumbers {
    fn parse(&self, arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        Ok(Box::new(RubyNumbersFilter {
            inner: self.inner.parse(arguments)?,
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self.inner.reflection()
    }
}

#[derive(Debug)]
struct RubyNumbersFilter {
    inner: Box<dyn Filter>,
}

impl fmt::Display for RubyNumbersFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl Filter for RubyNumbersFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        // Arguments are evaluated by the inner filter through the runtime it is given, so a
        // runtime that coerces what it looks up covers `plus: flow.variables.step` too.
        let arguments = NumericLookups { parent: runtime };
        match to_number(input) {
            Some(number) => self.inner.evaluate(&number, &arguments),
            None => self.inner.evaluate(input, &arguments),
        }
    }
}

/// `Some(number)` when `value` needs coercing to be a number for the crate; `None` when the
/// crate reads it as one already (or it is not a scalar, which the filter reports).
fn to_number(value: &dyn ValueView) -> Option<Value> {
    if value.is_nil() {
        return Some(Value::scalar(0i64));
    }
    let scalar = value.as_scalar()?;
    if scalar.to_integer().is_some() || scalar.to_float().is_some() || scalar.to_bool().is_some() {
        return None;
    }
    let text = scalar.to_kstr();
    let text = text.as_str().trim();
    // Ruby: /\A-?\d+\.\d+\z/ is a decimal, anything else is String#to_i.
    if let Some((whole, fraction)) = text.split_once('.') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(whole.strip_prefix('-').unwrap_or(whole)) && digits(fraction) {
            if let Ok(f) = text.parse::<f64>() {
                return Some(Value::scalar(f));
            }
        }
    }
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let n = rest[..digits].parse::<i64>().unwrap_or(0);
    Some(Value::scalar(sign * n))
}

/// Runtime for a math filter's arguments: lookups that are not numbers become numbers.
struct NumericLookups<'r> {
    parent: &'r dyn Runtime,
}

impl Runtime for NumericLookups<'_> {
    fn partials(&self) -> &dyn PartialStore {
        self.parent.partials()
    }
    fn name(&self) -> Option<KStringRef<'_>> {
        self.parent.name()
    }
    fn roots(&self) -> BTreeSet<KStringCow<'_>> {
        self.parent.roots()
    }
    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        self.parent.try_get(path)
    }
    fn get(&self, path: &[ScalarCow<'_>]) -> liquid_core::Result<ValueCow<'_>> {
        let value = self.parent.get(path)?;
        Ok(match to_number(value.as_view()) {
            Some(number) => ValueCow::Owned(number),
            None => value,
        })
    }
    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        self.parent.set_global(name, val)
    }
    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        self.parent.set_index(name, val)
    }
    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        self.parent.get_index(name)
    }
    fn registers(&self) -> &Registers {
        self.parent.registers()
    }
}

// ---------------------------------------------------------------------------------------------
// `for`, limited to FOR_LOOP_LIMIT iterations.
//
// Adapted from liquid-lib 0.26's `stdlib/blocks/for_block.rs` (MIT/Apache-2.0): `liquid` does
// not re-export liquid-lib's `ForBlock`, and a block cannot delegate to the one it replaces
// in the registry, so the tag is reimplemented here, kept to what Studio's Liquid needs:
// `for x in array|(a..b)`, `limit:`, `offset:`, `reversed`, `else`, `break`/`continue`,
// `forloop.*`. Differences from the crate: at most FOR_LOOP_LIMIT iterations (a counted range
// is never materialised beyond that), `offset`+`limit` past the end does not pad with nils,
// and the loop scope is lenient like the rest.

#[derive(Clone, Debug)]
struct StudioFor;

impl BlockReflection for StudioFor {
    fn start_tag(&self) -> &str {
        "for"
    }
    fn end_tag(&self) -> &str {
        "endfor"
    }
    fn description(&self) -> &str {
        "Repeats a block for each item, at most 15 times (Studio's limit)."
    }
}

#[derive(Debug)]
enum ForRange {
    Array(Expression),
    Counted(Expression, Expression),
}

#[derive(Debug)]
struct For {
    var_name: KString,
    range: ForRange,
    item_template: liquid_core::Template,
    else_template: Option<liquid_core::Template>,
    limit: Option<Expression>,
    offset: Option<Expression>,
    reversed: bool,
}

impl ParseBlock for StudioFor {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        options: &Language,
    ) -> liquid_core::Result<Box<dyn Renderable>> {
        let var_name = arguments
            .expect_next("Identifier expected.")?
            .expect_identifier()
            .into_result()?;
        arguments
            .expect_next("\"in\" expected.")?
            .expect_str("in")
            .into_result_custom_msg("\"in\" expected.")?;
        let range = arguments.expect_next("Array or range expected.")?;
        let range = match range.expect_value() {
            TryMatchToken::Matches(array) => ForRange::Array(array),
            TryMatchToken::Fails(range) => match range.expect_range() {
                TryMatchToken::Matches((start, stop)) => ForRange::Counted(start, stop),
                TryMatchToken::Fails(range) => return range.raise_error().into_err(),
            },
        };

        let mut limit = None;
        let mut offset = None;
        let mut reversed = false;
        while let Some(token) = arguments.next() {
            match token.as_str() {
                "limit" => limit = Some(parse_attr(&mut arguments)?),
                "offset" => offset = Some(parse_attr(&mut arguments)?),
                "reversed" => reversed = true,
                _ => {
                    return token
                        .raise_custom_error("\"limit\", \"offset\" or \"reversed\" expected.")
                        .into_err();
                }
            }
        }
        arguments.expect_nothing()?;

        let mut item_template = Vec::new();
        let mut else_template = None;
        while let Some(element) = tokens.next()? {
            match element {
                BlockElement::Tag(mut tag) => match tag.name() {
                    "else" => {
                        tag.tokens().expect_nothing()?;
                        else_template = Some(tokens.parse_all(options)?);
                        break;
                    }
                    _ => item_template.push(tag.parse(&mut tokens, options)?),
                },
                element => item_template.push(element.parse(&mut tokens, options)?),
            }
        }
        tokens.assert_empty();
        Ok(Box::new(For {
            var_name: KString::from_ref(var_name),
            range,
            item_template: liquid_core::Template::new(item_template),
            else_template: else_template.map(liquid_core::Template::new),
            limit,
            offset,
            reversed,
        }))
    }

    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

fn parse_attr(arguments: &mut TagTokenIter<'_>) -> liquid_core::Result<Expression> {
    arguments
        .expect_next("\":\" expected.")?
        .expect_str(":")
        .into_result_custom_msg("\":\" expected.")?;
    arguments
        .expect_next("Value expected.")?
        .expect_value()
        .into_result()
}

/// A whole-number attribute (`limit`, `offset`, range bounds); nil counts as absent.
fn int_attr(
    expr: &Expression,
    runtime: &dyn Runtime,
    what: &str,
) -> liquid_core::Result<Option<i64>> {
    let value = expr.evaluate(runtime)?;
    if value.is_nil() {
        return Ok(None);
    }
    match value.as_scalar().and_then(|s| s.to_integer()) {
        Some(n) => Ok(Some(n)),
        None => Err(Error::with_msg(format!(
            "Expected a whole number for {what}, found `{}`",
            value.source()
        ))),
    }
}

impl For {
    fn trace(&self) -> String {
        let range = match &self.range {
            ForRange::Array(a) => a.to_string(),
            ForRange::Counted(a, b) => format!("({a}..{b})"),
        };
        format!("{{% for {} in {} %}}", self.var_name, range)
    }

    /// The items the loop runs over, after `offset`, `limit`, `reversed` and Studio's cap.
    fn items<'r>(&'r self, runtime: &'r dyn Runtime) -> liquid_core::Result<Vec<ValueCow<'r>>> {
        let offset = match &self.offset {
            Some(e) => int_attr(e, runtime, "offset")?.unwrap_or(0).max(0) as usize,
            None => 0,
        };
        let limit = match &self.limit {
            Some(e) => int_attr(e, runtime, "limit")?.map(|n| n.max(0) as usize),
            None => None,
        };
        // The [start, end) window `offset`/`limit` leave of `len` items.
        let window = |len: usize| {
            let start = offset.min(len);
            let end = limit.map_or(len, |l| start.saturating_add(l).min(len));
            start..end
        };
        let mut items: Vec<ValueCow<'r>> = match &self.range {
            ForRange::Counted(first, last) => {
                let first = int_attr(first, runtime, "the range start")?.unwrap_or(0);
                let last = int_attr(last, runtime, "the range end")?.unwrap_or(0);
                let len = if last < first {
                    0
                } else {
                    usize::try_from(last.abs_diff(first))
                        .map_or(usize::MAX, |d| d.saturating_add(1))
                };
                // Only the items that will run are made: `(1..1000000000)` costs 15.
                let pick =
                    |i: usize| ValueCow::Owned(Value::scalar(first.saturating_add(i as i64)));
                let window = window(len);
                if self.reversed {
                    window.rev().take(FOR_LOOP_LIMIT).map(pick).collect()
                } else {
                    window.take(FOR_LOOP_LIMIT).map(pick).collect()
                }
            }
            ForRange::Array(expr) => {
                let source = expr.evaluate(runtime)?;
                let mut all = iterable(source)?;
                let window = window(all.len());
                all.truncate(window.end);
                all.drain(..window.start);
                if self.reversed {
                    all.reverse();
                }
                all
            }
        };
        items.truncate(FOR_LOOP_LIMIT);
        Ok(items)
    }
}

/// What `for` iterates for a value: an array's items, a hash's `[key, value]` pairs, a
/// non-empty string as a one-item list (as Shopify), nothing for nil.
fn iterable(source: ValueCow<'_>) -> liquid_core::Result<Vec<ValueCow<'_>>> {
    if source.as_array().is_none() && source.as_object().is_none() {
        let empty = source.is_nil()
            || source.is_state()
            || source.as_scalar().is_some_and(|s| s.to_kstr().is_empty());
        if empty {
            return Ok(Vec::new());
        }
        if source.as_scalar().is_some() {
            return Ok(vec![source]);
        }
        return Err(Error::with_msg(format!(
            "Expected an array to loop over, found {}",
            source.type_name()
        )));
    }
    match source {
        ValueCow::Borrowed(v) => Ok(borrowed_items(v)),
        ValueCow::Owned(v) => Ok(borrowed_items(&v)
            .into_iter()
            .map(|item| ValueCow::Owned(item.into_owned()))
            .collect()),
    }
}

fn borrowed_items(source: &dyn ValueView) -> Vec<ValueCow<'_>> {
    if let Some(array) = source.as_array() {
        array.values().map(ValueCow::Borrowed).collect()
    } else if let Some(object) = source.as_object() {
        object
            .iter()
            .map(|(k, v)| {
                ValueCow::Owned(Value::Array(vec![
                    Value::scalar(k.into_owned()),
                    v.to_value(),
                ]))
            })
            .collect()
    } else {
        Vec::new()
    }
}

impl Renderable for For {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> liquid_core::Result<()> {
        let items = self.items(runtime).trace_with(|| self.trace().into())?;

        if items.is_empty() {
            if let Some(t) = &self.else_template {
                t.render_to(writer, runtime)
                    .trace("{% else %}")
                    .trace_with(|| self.trace().into())?;
            }
            return Ok(());
        }

        let parentloop = runtime
            .try_get(&[ScalarCow::new("forloop")])
            .map(|v| v.into_owned());
        let len = items.len() as i64;
        for (i, item) in items.into_iter().enumerate() {
            let i = i as i64;
            let mut forloop = Object::new();
            forloop.insert("length".into(), Value::scalar(len));
            forloop.insert("index0".into(), Value::scalar(i));
            forloop.insert("index".into(), Value::scalar(i + 1));
            forloop.insert("rindex0".into(), Value::scalar(len - i - 1));
            forloop.insert("rindex".into(), Value::scalar(len - i));
            forloop.insert("first".into(), Value::scalar(i == 0));
            forloop.insert("last".into(), Value::scalar(i == len - 1));
            if let Some(parent) = &parentloop {
                forloop.insert("parentloop".into(), parent.clone());
            }
            let forloop = Value::Object(forloop);

            let mut scope = Object::new();
            scope.insert("forloop".into(), forloop);
            scope.insert(self.var_name.clone(), item.into_owned());
            let frame = Lenient {
                parent: StackFrame::new(runtime, &scope),
                globals: None,
            };
            self.item_template
                .render_to(writer, &frame)
                .trace_with(|| self.trace().into())
                .context_key("index")
                .value_with(|| format!("{}", i + 1).into())?;

            // `continue` is done once the body has ended; `break` ends the loop.
            let interrupt = frame.registers().get_mut::<InterruptRegister>().reset();
            if let Some(Interrupt::Break) = interrupt {
                break;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Source pre-pass and textual scans.

/// Calls `f(start, end)` for each `{{ … }}` / `{% … %}` region (byte offsets of the inner
/// text), honouring quotes so a `}}` inside a string literal does not end the region.
fn for_each_markup(source: &str, mut f: impl FnMut(usize, usize)) {
    let bytes = source.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let close = match (bytes[i], bytes[i + 1]) {
            (b'{', b'{') => b'}',
            (b'{', b'%') => b'%',
            _ => {
                i += 1;
                continue;
            }
        };
        let start = i + 2;
        let mut j = start;
        let mut quote = None;
        let mut end = bytes.len();
        while j < bytes.len() {
            let b = bytes[j];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == close && bytes.get(j + 1) == Some(&b'}') => {
                    end = j;
                    break;
                }
                None => {}
            }
            j += 1;
        }
        f(start, end);
        i = end + 2;
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Rewrites `a.b. c` to `a.b.c` inside markup, outside quotes (Shopify's lax parser reads it so;
/// the crate rejects it). Borrows when there is nothing to rewrite.
fn join_spaced_dots(source: &str) -> Cow<'_, str> {
    let bytes = source.as_bytes();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for_each_markup(source, |start, end| {
        let mut quote = None;
        let mut j = start;
        while j < end {
            let b = bytes[j];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'.'
                    && j > start
                    && (is_ident_byte(bytes[j - 1]) || bytes[j - 1] == b']') =>
                {
                    let mut k = j + 1;
                    while k < end && (bytes[k] == b' ' || bytes[k] == b'\t') {
                        k += 1;
                    }
                    if k > j + 1 && k < end && (bytes[k].is_ascii_alphabetic() || bytes[k] == b'_')
                    {
                        cuts.push((j + 1, k));
                    }
                }
                None => {}
            }
            j += 1;
        }
    });
    if cuts.is_empty() {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for (from, to) in cuts {
        out.push_str(&source[at..from]);
        at = to;
    }
    out.push_str(&source[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(source: &str, context: &serde_json::Value) -> String {
        Template::parse(source)
            .unwrap_or_else(|e| panic!("parse {source:?}: {e}"))
            .render(context)
            .unwrap_or_else(|e| panic!("render {source:?}: {e}"))
    }

    const COUNTER: &str =
        "{% if flow.variables.count %}{{flow.variables.count | plus: 1}}{% else %}0{% endif %}";

    #[test]
    fn counter_idiom_starts_at_zero_when_absent() {
        assert_eq!(render(COUNTER, &json!({"flow": {"variables": {}}})), "0");
        assert_eq!(render(COUNTER, &json!({})), "0");
    }

    #[test]
    fn counter_idiom_adds_one_to_a_numeric_string() {
        let ctx = json!({"flow": {"variables": {"count": "2"}}});
        assert_eq!(render(COUNTER, &ctx), "3");
        let spaced = "\n  {% if flow.variables.count %}\n{{ flow.variables.count | plus: 1 }}\n{% else %}0{% endif %}  ";
        assert_eq!(render(spaced, &ctx).trim(), "3");
        let spaced_absent = render(spaced, &json!({}));
        assert_eq!(spaced_absent.trim(), "0");
    }

    #[test]
    fn numbers_from_strings() {
        assert_eq!(render("{{ \"2\" | plus: 1 }}", &json!({})), "3");
        assert_eq!(render("{{ n | plus: 1 }}", &json!({"n": 41})), "42");
    }

    #[test]
    fn indexed_lookup_with_assigned_index() {
        let ctx = json!({
            "flow": {"variables": {"pantry_index": "1"}},
            "widgets": {"http_find_pantry": {"parsed": {"sites": [
                {"site_name": "North"}, {"site_name": "South"}, {"site_name": "East"}
            ]}}}
        });
        let source = "{% assign idx = flow.variables.pantry_index | plus: 0 %}{{ widgets.http_find_pantry.parsed.sites[idx].site_name}}";
        assert_eq!(render(source, &ctx), "South");
    }

    #[test]
    fn digit_by_digit_read_back() {
        let source = "{% assign digits = widgets.g.Digits | split: \"\" %}{% for d in digits %}{{d}}{% unless forloop.last %}, {% endunless %}{% endfor %}";
        let ctx = json!({"widgets": {"g": {"Digits": "1234"}}});
        assert_eq!(render(source, &ctx), "1, 2, 3, 4");
        let with_comment = "{%- comment -%} read back {%- endcomment -%}{% assign digits = widgets.g.Digits | split: \"\" %}{% for d in digits %}{{d}}{% unless forloop.last %} {% endunless %}{% endfor %}";
        assert_eq!(render(with_comment, &ctx), "1 2 3 4");
    }

    #[test]
    fn split_follows_ruby() {
        assert_eq!(ruby_split("1234", ""), vec!["1", "2", "3", "4"]);
        assert_eq!(ruby_split("a,b,,", ","), vec!["a", "b"]);
        assert_eq!(ruby_split(",a", ","), vec!["", "a"]);
        assert_eq!(ruby_split("  a  b ", " "), vec!["a", "b"]);
        assert_eq!(ruby_split("", ","), Vec::<&str>::new());
        assert_eq!(ruby_split("né", ""), vec!["n", "é"]);
        assert_eq!(
            render("{{ \"a,b,,\" | split: \",\" | size }}", &json!({})),
            "2"
        );
        assert_eq!(render("{{ x | split: \",\" | size }}", &json!({})), "0");
    }

    #[test]
    fn speech_result_filters() {
        let ctx = json!({"widgets": {"x": {"SpeechResult": "  YES Please \n"}}});
        assert_eq!(
            render("{{widgets.x.SpeechResult | downcase | strip}}", &ctx),
            "yes please"
        );
    }

    #[test]
    fn remove_whatsapp_prefix() {
        let ctx = json!({"contact": {"channel": {"address": "whatsapp:+15551234567"}}});
        assert_eq!(
            render("{{ contact.channel.address | remove:'whatsapp:' }}", &ctx),
            "+15551234567"
        );
    }

    #[test]
    fn size_of_array_object_and_string() {
        let ctx = json!({"widgets": {"h": {"parsed": {"sites": [1, 2, 3], "name": "abcd"}}}});
        assert_eq!(render("{{ widgets.h.parsed.sites.size }}", &ctx), "3");
        assert_eq!(render("{{ widgets.h.parsed.size }}", &ctx), "2");
        assert_eq!(render("{{ widgets.h.parsed.name.size }}", &ctx), "4");
        assert_eq!(render("{{ widgets.h.parsed.sites.first }}-{{ widgets.h.parsed.sites.last }}-{{ widgets.h.parsed.sites[-1] }}", &ctx), "1-3-3");
        assert_eq!(render("{{ widgets.h.parsed.missing.size }}", &ctx), "");
    }

    #[test]
    fn to_json_round_trips_an_object() {
        let parsed = json!({"sites": [{"site_name": "North", "open": true, "rank": 1, "score": 2.5,
            "note": null, "quote": "say \"hi\"\n"}], "count": "2"});
        let ctx = json!({"widgets": {"h": {"parsed": parsed.clone()}}});
        let out = render("{{ widgets.h.parsed | to_json }}", &ctx);
        let back: serde_json::Value = serde_json::from_str(&out).expect(&out);
        assert_eq!(back, parsed);
    }

    #[test]
    fn to_json_of_the_call_as_an_http_body() {
        let call = json!({"CallSid": "CA123", "From": "+15551234567", "To": "+15557654321",
            "CallStatus": "in-progress", "AddOns": {"status": "successful", "results": {}}});
        let ctx = json!({"trigger": {"call": call.clone()}});
        let body = render("{\"call\": {{trigger.call | to_json}}, \"n\": 1}", &ctx);
        let back: serde_json::Value = serde_json::from_str(&body).expect(&body);
        assert_eq!(back, json!({"call": call, "n": 1}));
    }

    #[test]
    fn to_json_of_scalars_and_nil() {
        let ctx = json!({"s": "a\"b", "n": 3, "f": 1.5, "b": false});
        assert_eq!(render("{{ s | to_json }}", &ctx), r#""a\"b""#);
        assert_eq!(render("{{ n | to_json }}", &ctx), "3");
        assert_eq!(render("{{ f | to_json }}", &ctx), "1.5");
        assert_eq!(render("{{ b | to_json }}", &ctx), "false");
        assert_eq!(render("{{ missing | to_json }}", &ctx), "null");
        assert_eq!(
            render(
                "{% assign a = \"x,y\" | split: \",\" %}{{ a | to_json }}",
                &ctx
            ),
            r#"["x","y"]"#
        );
    }

    #[test]
    fn for_loop_stops_after_fifteen_iterations() {
        let items: Vec<u32> = (1..=20).collect();
        let ctx = json!({"items": items});
        let out = render("{% for i in items %}{{ i }},{% endfor %}", &ctx);
        assert_eq!(out, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,");
        let out = render("{% for i in (1..1000000000) %}x{% endfor %}", &ctx);
        assert_eq!(out.len(), FOR_LOOP_LIMIT);
        let last = render(
            "{% for i in items %}{% if forloop.last %}{{ i }}{% endif %}{% endfor %}",
            &ctx,
        );
        assert_eq!(last, "15");
    }

    #[test]
    fn for_loop_options_still_work() {
        let ctx = json!({"items": [1, 2, 3, 4, 5], "none": []});
        let r = |s: &str| render(s, &ctx);
        assert_eq!(r("{% for i in items limit:2 %}{{i}}{% endfor %}"), "12");
        assert_eq!(r("{% for i in items offset:3 %}{{i}}{% endfor %}"), "45");
        assert_eq!(
            r("{% for i in items offset:3 limit:5 %}{{i}}{% endfor %}"),
            "45"
        );
        assert_eq!(r("{% for i in items reversed %}{{i}}{% endfor %}"), "54321");
        assert_eq!(r("{% for i in (2..4) %}{{i}}{% endfor %}"), "234");
        assert_eq!(
            r("{% for i in none %}{{i}}{% else %}empty{% endfor %}"),
            "empty"
        );
        assert_eq!(
            r("{% for i in missing %}{{i}}{% else %}empty{% endfor %}"),
            "empty"
        );
        assert_eq!(
            r("{% for i in items %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{i}}{% endfor %}"),
            "13"
        );
        assert_eq!(
            r("{% for i in (1..2) %}{% for j in (1..2) %}{{forloop.parentloop.index}}{{forloop.index}} {% endfor %}{% endfor %}"),
            "11 12 21 22 "
        );
    }

    #[test]
    fn missing_variables_render_empty() {
        let ctx = json!({"flow": {"variables": {"a": "1"}}, "widgets": {"y": {"parsed": "text"}}});
        assert_eq!(render("[{{flow.variables.missing}}]", &ctx), "[]");
        assert_eq!(render("[{{widgets.x.parsed.a.b}}]", &ctx), "[]");
        assert_eq!(render("[{{widgets.y.parsed.a}}]", &ctx), "[]");
        assert_eq!(render("[{{nothing_at_all}}]", &ctx), "[]");
        assert_eq!(render("[{{flow.variables.a.b}}]", &ctx), "[]");
        assert_eq!(
            render(
                "{% if flow.variables.count %}yes{% else %}no{% endif %}",
                &ctx
            ),
            "no"
        );
        assert_eq!(
            render("{{ flow.variables.missing | default: \"d\" }}", &ctx),
            "d"
        );
        assert_eq!(
            render(
                "{% for s in list %}{{ s.name }}{{ s.missing.deeper }};{% endfor %}",
                &json!({"list": [{"name": "a"}, {}]})
            ),
            "a;;"
        );
        assert_eq!(
            render(
                "{% assign a = flow.variables %}{{ a.a }}[{{ a.zzz }}]",
                &ctx
            ),
            "1[]"
        );
    }

    #[test]
    fn assigned_names_shadow_the_context() {
        let ctx = json!({"flow": {"variables": {"a": "ctx"}}});
        assert_eq!(
            render("{% assign flow = \"x\" %}[{{ flow.variables.a }}]", &ctx),
            "[]"
        );
    }

    #[test]
    fn space_after_dot_is_joined() {
        let ctx = json!({"widgets": {"fetch": {"parsed": {"key": "v", "bad_experience_last_7_days": 3}}}});
        assert_eq!(render("{{widgets.fetch.parsed. key}}", &ctx), "v");
        assert_eq!(
            render("{{widgets.fetch.parsed. bad_experience_last_7_days}}", &ctx),
            "3"
        );
        assert_eq!(
            render(
                "{% if widgets.fetch.parsed. key == \"v\" %}ok{% endif %}",
                &ctx
            ),
            "ok"
        );
        // Text outside markup and quoted strings keep their spaces.
        assert_eq!(render("a. b {{ \"c. d\" }}", &ctx), "a. b c. d");
        assert_eq!(join_spaced_dots("x. y"), "x. y");
    }

    #[test]
    fn syntax_errors_fail_at_parse() {
        for bad in [
            "{{ foo | }}",
            "{% if x %}open",
            "{% for %}",
            "{{ a | no_such_filter }}",
            "{% nosuchtag %}",
        ] {
            let err = Template::parse(bad).expect_err(bad);
            assert!(!err.message.is_empty());
            assert!(!err.message.contains('\n'), "{:?}", err.message);
        }
    }

    #[test]
    fn literal_templates_skip_the_engine() {
        let t = Template::parse("Hello, caller. 100% {sure}").unwrap();
        assert!(t.is_literal());
        assert_eq!(t.render(&json!({})).unwrap(), "Hello, caller. 100% {sure}");
        let t = Template::parse("{{ a }}").unwrap();
        assert!(!t.is_literal());
        assert_eq!(t.source(), "{{ a }}");
        let t = Template::parse("{% if a %}{% endif %}").unwrap();
        assert!(!t.is_literal());
    }

    #[test]
    fn math_filters_read_nil_and_words_as_numbers() {
        let ctx = json!({"v": {"step": "2", "word": "abc", "padded": " 7 ", "half": " 2.5 "}});
        let r = |s: &str| render(s, &ctx);
        assert_eq!(r("{{ v.missing | plus: 0 }}"), "0");
        assert_eq!(r("{{ v.word | plus: 1 }}"), "1");
        assert_eq!(r("{{ v.padded | minus: 2 }}"), "5");
        assert_eq!(r("{{ v.half | times: 3 }}"), "7.5");
        assert_eq!(r("{{ 10 | plus: v.step }}"), "12");
        assert_eq!(r("{{ 10 | plus: v.missing }}"), "10");
        assert_eq!(r("{{ \"12abc\" | plus: 0 }}"), "12");
        assert_eq!(r("{{ \"-3\" | abs }}"), "3");
        let idx = "{% assign idx = v.missing | plus: 0 %}{{ list[idx] }}";
        assert_eq!(render(idx, &json!({"list": ["first"]})), "first");
    }

    #[test]
    fn error_messages_are_one_readable_line() {
        let err = Template::parse("{{ foo | }}").unwrap_err();
        assert_eq!(err.message, "expected Identifier (line 1, column 10)");
        let err = Template::parse("x\n{% if a %}open").unwrap_err();
        assert!(
            err.message.contains("endif") && err.message.contains("line 2"),
            "{}",
            err.message
        );
        let err = Template::parse("{{ a | no_such_filter }}").unwrap_err();
        assert!(err.message.contains("no_such_filter"), "{}", err.message);
        assert!(!err.message.contains("append"), "{}", err.message);
    }

    #[test]
    fn render_errors_are_reported() {
        let err = Template::parse("{{ a | divided_by: 0 }}")
            .unwrap()
            .render(&json!({"a": 1}))
            .expect_err("division by zero");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn template_is_send_sync_and_shares_the_parse() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Template>();
        let t = Template::parse("{{ a }}").unwrap();
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let t = t.clone();
                std::thread::spawn(move || t.render(&json!({"a": i})).unwrap())
            })
            .collect();
        let outs: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(outs, ["0", "1", "2", "3"]);
    }

    #[test]
    fn date_filter_is_available() {
        let out = render("{{ \"now\" | date: \"%H:%M\" }}", &json!({}));
        assert_eq!(out.len(), 5, "{out}");
        assert_eq!(out.as_bytes()[2], b':');
    }
}
