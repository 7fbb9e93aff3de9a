//! The console's building blocks. Every page uses these, so buttons, tables,
//! dialogs, badges, fields and toasts look and behave the same everywhere.

mod application_samples;
mod badge;
mod code_samples;
mod copy;
mod credential;
mod delivery;
mod dialog;
mod field;
mod icons;
mod layout;
mod list_card;
mod relative_time;
mod states;
mod switch;
mod table;
mod toast;
mod ui;
mod usage_chart;

pub use application_samples::{ApplicationSamples, SampleKeys};
pub use badge::{Badge, Tone};
pub use code_samples::CodeSamples;
pub use copy::CopyButton;
pub use credential::{GrantBadges, StatusBadge};
pub use delivery::{DeliveryStatusBadge, last_answer};
pub use dialog::Dialog;
pub use field::{Field, capitalise, field_error};
pub use icons::Icon;
pub use layout::{Card, PageHeader};
pub use list_card::ListCard;
pub use relative_time::RelativeTime;
pub use states::{EmptyState, ErrorNotice, LoadingRows};
pub use switch::Switch;
pub use table::{TD, TD_2XL, TD_XL, Table};
pub use toast::{Toaster, Toasts, provide_toasts, use_toasts};
pub use ui::*;
pub use usage_chart::UsageChart;
