//! Headless output of a report: a readable text table, the JSON contract
//! for scripts, CSV, the status line, and the printable PDF and HTML
//! reports (one layout model, `document`, for both). Formatting only (the
//! numbers come from the report); the dashboard's exports (`csv`,
//! `printable`) are written through `files`.

pub mod backtest;
pub mod budget;
pub mod cache;
pub mod csv;
pub mod document;
pub mod html;
pub mod json;
pub mod line;
pub mod pdf;
pub mod prices;
pub mod printable;
pub mod text;
