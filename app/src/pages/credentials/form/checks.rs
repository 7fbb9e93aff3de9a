//! What is wrong with the form, field by field, as the user types. Every
//! rule is the domain's own validator, so a message and a limit are written
//! once, in the core, and the server says the same on submit.

use keyward::domain::credential::{check_auto_renew, check_kind_rules, parse_cidrs, validate_description};
use keyward::domain::{Cidr, Expiry, KeyName};
use leptos::prelude::*;

use super::state::{FormState, Mode};
use crate::components::capitalise;

impl FormState {
    /// The first problem of each field, by field name.
    pub fn errors(&self, mode: Mode) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if mode == Mode::Create
            && let Err(e) = KeyName::parse(&self.name.get())
        {
            out.push(("name", e.message));
        }
        if let Err(e) = validate_description(Some(self.description.get())) {
            out.push(("description", e.message));
        }
        let lifetime = match self.expires() {
            None => Ok(Some(i64::MAX)),
            Some(e) => Expiry::parse(&e).map(|x| x.lifetime_secs()).map_err(|e| e.message),
        };
        match &lifetime {
            Err(m) => out.push(("expires", m.clone())),
            Ok(l) => {
                let cidrs: Vec<Cidr> = self.cidrs.get().iter().filter_map(|c| Cidr::parse(c).ok()).collect();
                let known = if *l == Some(i64::MAX) { Some(0) } else { *l };
                if let Err(e) = check_kind_rules(self.kind.get(), known, &cidrs) {
                    out.push((
                        if e.field == "expires" {
                            "expires"
                        } else {
                            "allowed_cidrs"
                        },
                        e.message,
                    ));
                }
            }
        }
        if parse_cidrs(&self.cidrs.get()).is_err() {
            out.push(("allowed_cidrs", "fix the ranges marked below".into()));
        }
        if let (Some(Ok(l)), true) = (
            self.expires().map(|e| Expiry::parse(&e).map(|x| x.lifetime_secs())),
            self.auto_renew.get(),
        ) && let Err(e) = check_auto_renew(true, l)
        {
            out.push(("auto_renew", e.message));
        }
        if let Err(m) = self.rights_value() {
            out.push(("rights", m));
        }
        if let Err(m) = self.metadata_value() {
            out.push(("metadata", m));
        }
        if let Err(m) = self.token_ttl_value() {
            out.push(("token_ttl_seconds", m));
        }
        if let Err(m) = self.rate_limit_value() {
            out.push(("rate_limit", m));
        }
        if let Err(problems) = self.rotation_value() {
            out.extend(problems);
        }
        out
    }
}

/// The error for `field`, shown once the field is worth judging.
pub(super) fn error_for(
    state: FormState,
    mode: Mode,
    field: &'static str,
    touched: RwSignal<bool>,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        if !(touched.get() || state.submitted.get()) {
            return None;
        }
        state
            .errors(mode)
            .into_iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| capitalise(&m))
    })
}
