//! Headless output of a report: a readable text table and the JSON contract
//! for scripts. Formatting only; the numbers come from the report.

pub mod backtest;
pub mod budget;
pub mod cache;
pub mod csv;
pub mod json;
pub mod line;
pub mod prices;
pub mod text;
