//! The form's state, one signal per field, and what it sends: the create
//! request or the edit patch.

use keyward::domain::credential::{CredentialPatch, KeyFormat, check_token_ttl, validate_metadata};
use keyward::domain::{CredentialInput, CredentialKind, CredentialRole, Environment, RateLimitSetting, Right};
use leptos::prelude::*;

use super::rotation_fields::RotationFields;

/// Whether the form creates a credential or edits one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Edit,
}

/// The form's state: one signal per field.
#[derive(Debug, Clone, Copy)]
pub struct FormState {
    pub name: RwSignal<String>,
    pub description: RwSignal<String>,
    pub kind: RwSignal<CredentialKind>,
    pub environment: RwSignal<Environment>,
    pub account: RwSignal<String>,
    /// A preset (`6mo`), `custom`, or empty for "keep" when editing.
    pub expiry: RwSignal<String>,
    pub custom_days: RwSignal<String>,
    pub scopes: RwSignal<Vec<String>>,
    pub global_admin: RwSignal<bool>,
    pub global_viewer: RwSignal<bool>,
    pub account_viewer: RwSignal<bool>,
    pub viewer_accounts: RwSignal<Vec<String>>,
    pub cidrs: RwSignal<Vec<String>>,
    pub rights: RwSignal<Vec<(Vec<String>, String)>>,
    pub auto_renew: RwSignal<bool>,
    pub metadata: RwSignal<String>,
    /// An API key whose secret is a signed JWT.
    pub jwt: RwSignal<bool>,
    /// An OAuth client's access-token lifetime in seconds; empty for the default.
    pub token_ttl: RwSignal<String>,
    /// Its own rate limit (`unlimited` or `LIMIT/WINDOW[,BURST]`); empty for the account plan's.
    pub rate_limit: RwSignal<String>,
    /// Its rotation policy, if the secret rotates on a schedule.
    pub rotation: RotationFields,
    /// Errors show for untouched fields only after a submit attempt.
    pub submitted: RwSignal<bool>,
}

impl FormState {
    /// An empty create form with the defaults of the API.
    pub fn new(account: String) -> Self {
        Self {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            kind: RwSignal::new(CredentialKind::ApiKey),
            environment: RwSignal::new(Environment::Prod),
            account: RwSignal::new(account),
            expiry: RwSignal::new("6mo".into()),
            custom_days: RwSignal::new("90".into()),
            scopes: RwSignal::new(Vec::new()),
            global_admin: RwSignal::new(false),
            global_viewer: RwSignal::new(false),
            account_viewer: RwSignal::new(false),
            viewer_accounts: RwSignal::new(Vec::new()),
            cidrs: RwSignal::new(Vec::new()),
            rights: RwSignal::new(Vec::new()),
            auto_renew: RwSignal::new(false),
            metadata: RwSignal::new(String::new()),
            jwt: RwSignal::new(false),
            token_ttl: RwSignal::new(String::new()),
            rate_limit: RwSignal::new(String::new()),
            rotation: RotationFields::default(),
            submitted: RwSignal::new(false),
        }
    }

    /// An edit form holding a credential's current values.
    pub fn from_credential(c: &keyward::domain::Credential) -> Self {
        let s = Self::new(c.account.clone());
        s.name.set(c.name.clone());
        s.description.set(c.description.clone().unwrap_or_default());
        s.kind.set(c.kind);
        s.environment.set(c.environment);
        s.expiry.set(String::new());
        s.scopes.set(c.scopes.iter().map(ToString::to_string).collect());
        for r in &c.roles {
            match r {
                CredentialRole::GlobalAdmin => s.global_admin.set(true),
                CredentialRole::GlobalViewer => s.global_viewer.set(true),
                CredentialRole::AccountViewer { accounts } => {
                    s.account_viewer.set(true);
                    s.viewer_accounts.set(accounts.clone());
                }
            }
        }
        s.cidrs.set(c.allowed_cidrs.iter().map(ToString::to_string).collect());
        s.rights.set(
            c.rights
                .iter()
                .map(|r| (r.methods().to_vec(), r.path().to_owned()))
                .collect(),
        );
        s.auto_renew.set(c.auto_renew);
        s.jwt.set(c.format == KeyFormat::Jwt);
        s.token_ttl
            .set(c.token_ttl_seconds.map(|t| t.to_string()).unwrap_or_default());
        s.rate_limit
            .set(c.rate_limit.map(|r| r.to_string()).unwrap_or_default());
        s.rotation.load(c.rotation.as_ref());
        if c.metadata.as_object().is_some_and(|o| !o.is_empty()) {
            s.metadata.set(c.metadata.to_string());
        }
        s
    }

    pub(super) fn expires(&self) -> Option<String> {
        match self.expiry.get().as_str() {
            "" => None,
            "custom" => Some(format!("custom:{}", self.custom_days.get().trim())),
            p => Some(p.to_owned()),
        }
    }

    fn roles(&self) -> Vec<CredentialRole> {
        let mut roles = Vec::new();
        // An application acts through its consumer keys' rights only.
        if self.kind.get() == CredentialKind::Application {
            return roles;
        }
        if self.global_admin.get() {
            roles.push(CredentialRole::GlobalAdmin);
        }
        if self.global_viewer.get() {
            roles.push(CredentialRole::GlobalViewer);
        }
        if self.account_viewer.get() {
            roles.push(CredentialRole::AccountViewer {
                accounts: self.viewer_accounts.get(),
            });
        }
        roles
    }

    pub(super) fn rights_value(&self) -> Result<Vec<Right>, String> {
        self.rights
            .get()
            .into_iter()
            .filter(|(m, p)| !m.is_empty() || !p.trim().is_empty())
            .map(|(m, p)| Right::new(m, &p).map_err(|e| e.message))
            .collect()
    }

    pub(super) fn token_ttl_value(&self) -> Result<Option<i64>, String> {
        if self.kind.get() != CredentialKind::OauthClient {
            return Ok(None);
        }
        let text = self.token_ttl.get();
        if text.trim().is_empty() {
            return Ok(None);
        }
        let ttl = text
            .trim()
            .parse::<i64>()
            .map_err(|_| "must be a whole number of seconds".to_owned())?;
        check_token_ttl(self.kind.get(), Some(ttl)).map_err(|e| e.message)?;
        Ok(Some(ttl))
    }

    pub(super) fn rate_limit_value(&self) -> Result<Option<RateLimitSetting>, String> {
        let text = self.rate_limit.get();
        if text.trim().is_empty() {
            return Ok(None);
        }
        text.parse::<RateLimitSetting>()
            .and_then(|r| r.validate("rate_limit"))
            .map(Some)
            .map_err(|e| e.message)
    }

    pub(super) fn metadata_value(&self) -> Result<Option<serde_json::Value>, String> {
        let text = self.metadata.get();
        if text.trim().is_empty() {
            return Ok(None);
        }
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("is not valid JSON: {e}"))?;
        validate_metadata(&v).map_err(|e| e.message)?;
        Ok(Some(v))
    }

    /// The create request, if every field is valid.
    pub fn to_input(self) -> CredentialInput {
        CredentialInput {
            account: Some(self.account.get()),
            name: self.name.get(),
            description: Some(self.description.get()).filter(|d| !d.trim().is_empty()),
            kind: Some(self.kind.get()),
            environment: Some(self.environment.get()),
            scopes: self.scopes.get(),
            roles: self.roles(),
            allowed_cidrs: self.cidrs.get().into_iter().filter(|c| !c.trim().is_empty()).collect(),
            rights: self.rights_value().unwrap_or_default(),
            expires: self.expires(),
            auto_renew: self.auto_renew.get(),
            metadata: self.metadata_value().unwrap_or_default(),
            format: (self.kind.get() == CredentialKind::ApiKey && self.jwt.get()).then_some(KeyFormat::Jwt),
            token_ttl_seconds: self.token_ttl_value().unwrap_or_default(),
            rate_limit: self.rate_limit_value().unwrap_or_default(),
            rotation: self.rotation_value().unwrap_or_default(),
        }
    }

    /// The edit request: every editable field, so what the form shows is what is saved.
    pub fn to_patch(self) -> CredentialPatch {
        CredentialPatch {
            name: None,
            description: Some(self.description.get()),
            scopes: Some(self.scopes.get()),
            roles: Some(self.roles()),
            allowed_cidrs: Some(self.cidrs.get().into_iter().filter(|c| !c.trim().is_empty()).collect()),
            rights: Some(self.rights_value().unwrap_or_default()),
            expires: self.expires(),
            auto_renew: Some(self.auto_renew.get()),
            metadata: Some(
                self.metadata_value()
                    .unwrap_or_default()
                    .unwrap_or_else(|| serde_json::json!({})),
            ),
            token_ttl_seconds: self.token_ttl_value().unwrap_or_default(),
            rate_limit: Some(self.rate_limit_value().unwrap_or_default()),
            rotation: Some(self.rotation_value().unwrap_or_default()),
        }
    }
}
