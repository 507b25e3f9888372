//! A fuzz of every server function's inputs. Each case takes a function's
//! arguments from the authorization table and breaks them: values replaced by
//! odd strings, extreme numbers and nested structures, fields dropped or
//! added, the other encoding (JSON for a form, a form for JSON), or bytes that
//! are no encoding at all. Whatever arrives, Roster either handles it or
//! answers with a 4xx carrying an error the browser can show; never a 5xx,
//! never a dropped connection. Both engines; proptest shrinks a failure to a
//! small input before reporting it. Beside the random cases, every awkward
//! string goes into every text argument of every function, so a known trap
//! (a NUL that PostgreSQL cannot store) is caught on every run, not by luck.

mod common;

use common::server_functions::*;
use common::{apps_with, TestApp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use roster_domain::AppError;
use roster_service::Settings;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// Cases per server function and engine.
const CASES: u32 = 64;

/// Strings that have broken parsers and queries elsewhere. ("delete" but not
/// "DELETE", the word that confirms a deletion, and "merge" but not "MERGE":
/// a case that deleted the fixture's customer would leave later cases
/// without the callers they need.)
const AWKWARD: &[&str] = &[
    "", " ", "\0", "%", "%00", "_", "\\", "'", "\"", "' OR 1=1 --", "\"; DROP TABLE users; --", "<script>alert(1)</script>",
    "9223372036854775808", "-9223372036854775809", "1e309", "NaN", "-0", "0x10", "null", "true", "[]", "{}", "a[b]=c",
    "é", "😀", "\u{202e}", "\u{feff}", "ǅ", "İ", "\r\n", "New", "AuthenticatorApp", "delete", "merge",
];

#[derive(Clone, Debug)]
enum Mutation {
    /// Replaces what the path leads to with a value of the same kind (a
    /// string with this string, a number with this number), so the
    /// arguments still parse and the function's own code meets the value.
    Similar(Vec<usize>, String, i64),
    /// Replaces what the path leads to.
    Replace(Vec<usize>, Value),
    /// Drops the field or element the path leads to.
    Remove(Vec<usize>),
    /// Adds a field to the object the path leads to.
    Insert(Vec<usize>, String, Value),
}

#[derive(Clone, Debug)]
enum Input {
    /// The table's arguments, mutated, in the function's own encoding or the other one.
    Mutated { mutations: Vec<Mutation>, other_encoding: bool },
    /// A body that is no encoding at all, sent as this content type.
    Raw { bytes: Vec<u8>, content_type: &'static str },
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::sample::select(AWKWARD).prop_map(str::to_owned),
        (1usize..20_000).prop_map(|n| "a".repeat(n)),
    ]
}

fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), prop::sample::select(vec![i64::MIN, i64::MAX, -1, 0, 1, 2, 3, 1_000_000, 2_147_483_648])]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        integer().prop_map(Value::from),
        prop::sample::select(vec![json!(u64::MAX), json!(1e308), json!(-0.5), json!(0.1)]),
        text().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = || prop::collection::vec(any::<usize>(), 0..4);
    prop_oneof![
        4 => (path(), text(), integer()).prop_map(|(p, s, n)| Mutation::Similar(p, s, n)),
        2 => (path(), value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        1 => path().prop_map(Mutation::Remove),
        1 => (path(), "[a-z_]{1,10}", value()).prop_map(|(p, k, v)| Mutation::Insert(p, k, v)),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    let content_type = prop::sample::select(vec![
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=roster",
        "application/octet-stream",
    ]);
    prop_oneof![
        5 => (prop::collection::vec(mutation(), 1..4), prop::bool::weighted(0.2))
            .prop_map(|(mutations, other_encoding)| Input::Mutated { mutations, other_encoding }),
        1 => (prop::collection::vec(any::<u8>(), 0..300), content_type).prop_map(|(bytes, content_type)| Input::Raw { bytes, content_type }),
    ]
}

/// What `path` leads to: at each object or array, the child the index picks
/// (modulo its size), stopping at a scalar or where the path ends.
fn descend<'a>(value: &'a mut Value, path: &[usize]) -> &'a mut Value {
    let Some((first, rest)) = path.split_first() else { return value };
    let len = match &*value {
        Value::Object(fields) => fields.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if len == 0 {
        return value;
    }
    match value {
        Value::Object(fields) => descend(fields.values_mut().nth(first % len).unwrap(), rest),
        Value::Array(items) => descend(&mut items[first % len], rest),
        other => other,
    }
}

fn apply(value: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Similar(path, text, number) => {
            let target = descend(value, path);
            *target = match &*target {
                Value::String(_) => Value::String(text.clone()),
                Value::Number(_) => Value::from(*number),
                Value::Bool(b) => Value::Bool(!b),
                // An optional value left out: give it one of either kind.
                Value::Null if number % 2 == 0 => Value::String(text.clone()),
                Value::Null => Value::from(*number),
                nested => nested.clone(),
            }
        }
        Mutation::Replace(path, new) => *descend(value, path) = new.clone(),
        Mutation::Remove(path) => {
            let Some((last, parent)) = path.split_last() else { return };
            match descend(value, parent) {
                Value::Object(fields) if !fields.is_empty() => {
                    let key = fields.keys().nth(last % fields.len()).unwrap().clone();
                    fields.remove(&key);
                }
                Value::Array(items) if !items.is_empty() => {
                    let index = last % items.len();
                    items.remove(index);
                }
                _ => {}
            }
        }
        Mutation::Insert(path, key, new) => {
            if let Value::Object(fields) = descend(value, path) {
                fields.insert(key.clone(), new.clone());
            }
        }
    }
}

/// A form body from the top level of a JSON value, as a browser form would
/// send it: scalars as text, anything nested as its JSON.
fn form_of(value: &Value) -> Vec<(String, String)> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match value {
        Value::Object(fields) => fields.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        other => vec![("value".to_owned(), text(other))],
    }
}

/// The request body and its content type for one case.
fn encode(seed: &Body, input: &Input) -> (Vec<u8>, &'static str) {
    const FORM: &str = "application/x-www-form-urlencoded";
    const JSON: &str = "application/json";
    match input {
        Input::Raw { bytes, content_type } => (bytes.clone(), content_type),
        Input::Mutated { mutations, other_encoding } => {
            let (mut value, is_form) = match seed {
                Body::Form(pairs) => {
                    (Value::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), Value::String(v.clone()))).collect::<Map<_, _>>()), true)
                }
                Body::Json(value) => (value.clone(), false),
            };
            for mutation in mutations {
                apply(&mut value, mutation);
            }
            if is_form != *other_encoding {
                let pairs = form_of(&value);
                let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
                (body.into_bytes(), FORM)
            } else {
                (serde_json::to_vec(&value).unwrap(), JSON)
            }
        }
    }
}

/// Who calls a function in the fuzz: an admin where allowed, so the input
/// reaches the function's own code; otherwise the first caller allowed.
fn caller_for(row: &Row) -> Caller {
    if row.allowed.contains(&Admin) { Admin } else { row.allowed.first().copied().unwrap_or(Nobody) }
}

/// Whether the browser is still the caller it was made as: a case may sign it
/// out, sign it in as someone else or start a view.
async fn still(app: &TestApp, browser: &reqwest::Client, caller: Caller) -> bool {
    let me = current(app, browser).await;
    match caller {
        Nobody => me.is_none(),
        Admin | Customer | Agent => me.is_some_and(|me| me.impersonator.is_none()),
        Viewing => me.is_some_and(|me| me.impersonator.is_some()),
    }
}

async fn check(
    app: &TestApp,
    browsers: &RefCell<HashMap<Caller, reqwest::Client>>,
    row: &Row,
    caller: Caller,
    input: &Input,
) -> Result<u16, TestCaseError> {
    let cached = browsers.borrow().get(&caller).cloned();
    let browser = match cached {
        Some(browser) => browser,
        None => {
            clear_second_factors(app).await;
            let browser = browser_of(app, caller).await;
            browsers.borrow_mut().insert(caller, browser.clone());
            browser
        }
    };
    let (body, content_type) = encode(&row.body, input);
    let sent = browser
        .post(app.url(&format!("/api/{}", row.function)))
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(body)
        .send()
        .await;
    let response = sent.map_err(|e| TestCaseError::fail(format!("no answer (connection dropped?): {e}")))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if status >= 500 {
        return Err(TestCaseError::fail(format!("{status}: {text}")));
    }
    if status >= 400 {
        match serde_json::from_str::<AppError>(&text) {
            // `Transport` is the browser's own error for a failed call; the server never sends it.
            Ok(AppError::Internal | AppError::Transport(_)) | Err(_) => {
                return Err(TestCaseError::fail(format!("{status} without a clear error: {text}")))
            }
            Ok(_) => {}
        }
    }
    if status < 400 && !still(app, &browser, caller).await {
        browsers.borrow_mut().remove(&caller);
    }
    Ok(status)
}

/// The paths (as `descend` follows them) to every text or left-out value in `value`.
fn text_paths(value: &Value) -> Vec<Vec<usize>> {
    let children: Vec<&Value> = match value {
        Value::Object(fields) => fields.values().collect(),
        Value::Array(items) => items.iter().collect(),
        Value::String(_) | Value::Null => return vec![Vec::new()],
        _ => return Vec::new(),
    };
    let mut paths = Vec::new();
    for (index, child) in children.into_iter().enumerate() {
        for mut rest in text_paths(child) {
            rest.insert(0, index);
            paths.push(rest);
        }
    }
    paths
}

/// Arguments that pass every other check, for the functions whose table
/// arguments are refused before they reach the database (an empty title, a
/// user without roles): an awkward value put into these is what the function,
/// and the database behind it, meets.
fn valid_arguments(function: &str, ticket: i64) -> Option<Value> {
    let details = json!({
        "login": "sweep", "first_name": "Sweep", "last_name": "Case", "organization": "Harbour Labs",
        "department": "Support", "city": "Bergen", "note": "Prefers phone.", "roles": [3],
    });
    match function {
        "open_ticket" => Some(json!({ "title": "Printer", "body": "It jams." })),
        "reply_to_ticket" => Some(json!({ "number": ticket, "body": "Thanks, it works again." })),
        "create_user" => Some(json!({ "details": details })),
        "preview_bulk_action" => Some(json!({ "action": "Unlock", "selection": { "AllMatches": { "text": "a" } } })),
        "save_role" => Some(json!({ "id": null, "version": 0, "draft": { "name": "Sweep", "permissions": ["TicketRead"] } })),
        _ => None,
    }
}

/// No throttling and no lockout: thousands of wrong passwords are the point.
fn fuzz_settings() -> Settings {
    Settings { sign_in_attempts_per_minute: 0, lockout_threshold: u32::MAX, password_checks_queued: u32::MAX, ..Settings::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_awkward_string_in_every_text_argument_gets_an_answer_or_a_clear_4xx() {
    for app in apps_with(fuzz_settings()).await {
        let fixture = Fixture::arrange(&app).await;
        let browsers = RefCell::new(HashMap::new());
        let mut failures = Vec::new();
        let mut sent = 0;
        let mut answered = Vec::new();
        for mut row in table(&fixture) {
            let caller = caller_for(&row);
            if let Some(valid) = valid_arguments(row.function, fixture.ticket) {
                row.body = Body::Json(valid);
            }
            let row = &row;
            let seed = match &row.body {
                Body::Json(value) => value.clone(),
                Body::Form(pairs) => Value::Object(pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect()),
            };
            for path in text_paths(&seed) {
                for awkward in AWKWARD {
                    let input = Input::Mutated { mutations: vec![Mutation::Similar(path.clone(), (*awkward).to_owned(), 0)], other_encoding: false };
                    sent += 1;
                    match check(&app, &browsers, row, caller, &input).await {
                        Ok(status) if status < 300 => answered.push(row.function),
                        Ok(_) => {}
                        Err(failure) => {
                            failures.push(format!("{} as {caller:?} with {awkward:?} at {path:?}: {failure}", row.function))
                        }
                    }
                }
            }
        }
        assert!(sent > 500, "{}: only {sent} calls; the table has lost its text arguments", app.db_name);
        for function in ["open_ticket", "reply_to_ticket", "create_user", "save_role"] {
            assert!(answered.contains(&function), "{}: no call of {function} got past its checks", app.db_name);
        }
        assert!(failures.is_empty(), "{}:\n{}", app.db_name, failures.join("\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_to_any_server_function_gets_a_server_error_or_a_dropped_connection() {
    for app in apps_with(fuzz_settings()).await {
        let rows = table(&Fixture::arrange(&app).await);
        assert_rows_cover_every_server_function(&rows);

        let runtime = tokio::runtime::Handle::current();
        let browsers = RefCell::new(HashMap::new());
        let mut failures = Vec::new();
        for row in &rows {
            let caller = caller_for(row);
            let config = Config { cases: CASES, failure_persistence: None, max_shrink_iters: 200, ..Config::default() };
            let mut runner = TestRunner::new(config);
            let result = runner.run(&input(), |input| {
                tokio::task::block_in_place(|| runtime.block_on(check(&app, &browsers, row, caller, &input)).map(|_| ()))
            });
            if let Err(failure) = result {
                failures.push(format!("{} as {caller:?}: {failure}", row.function));
            }
        }
        assert!(failures.is_empty(), "{}:\n{}", app.db_name, failures.join("\n"));
    }
}
