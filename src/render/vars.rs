//! The variables a template sees: every CSV column by its header name, plus
//! `email`, `campaign`, `list`, `unsubscribe_url` and `footer`. The built-in
//! names win over CSV columns of the same name, so a column called `email`
//! cannot change the address the message goes to.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

/// What every template of one message shares.
#[derive(Debug)]
pub struct Shared {
    pub headers: Arc<[String]>,
    pub fields: Vec<String>,
    pub email: String,
    pub campaign: Arc<str>,
    pub list: Arc<str>,
    pub unsubscribe_url: String,
}

/// The variables of one template: the shared ones and that template's footer.
#[derive(Debug)]
pub struct Vars {
    pub shared: Arc<Shared>,
    pub footer: Value,
}

const BUILT_IN: [&str; 5] = ["email", "campaign", "list", "unsubscribe_url", "footer"];

impl Object for Vars {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let shared = &self.shared;
        match key.as_str()? {
            "email" => Some(Value::from(shared.email.as_str())),
            "campaign" => Some(Value::from(&*shared.campaign)),
            "list" => Some(Value::from(&*shared.list)),
            "unsubscribe_url" => Some(Value::from(shared.unsubscribe_url.as_str())),
            "footer" => Some(self.footer.clone()),
            column => shared
                .headers
                .iter()
                .position(|h| h == column)
                .and_then(|i| shared.fields.get(i))
                .map(|v| Value::from(v.as_str())),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = BUILT_IN.iter().map(|k| Value::from(*k)).collect();
        keys.extend(
            self.shared
                .headers
                .iter()
                .filter(|h| !BUILT_IN.contains(&h.as_str()))
                .map(|h| Value::from(h.as_str())),
        );
        Enumerator::Values(keys)
    }
}
