//! `usagetop prices`: each model seen with the price entry it resolved to,
//! how the name found it, and the prices per million tokens, so a user can
//! see why a figure is estimated. Text (two lines a model) and JSON.

use std::fmt::Write as _;

use crate::format::money;
use crate::pipeline::ModelPrice;
use crate::text::{clean, sanitize_middle, width};

fn entry(model: &ModelPrice) -> String {
    match (&model.entry, model.stored_cost) {
        (_, true) => "cost stored by the source (prices give only the cache savings)".to_owned(),
        (Some(entry), false) => format!("{} ({})", clean(entry), model.rule.describe()),
        (None, false) => model.rule.describe().to_owned(),
    }
}

/// The models as text for `columns` columns.
#[must_use]
pub fn render(models: &[ModelPrice], columns: usize) -> String {
    let mut out = String::from(
        "Each model seen (all time), its cost, and the price entry it resolved to\n\
         (USD per million tokens: input / output / cache read / cache write,\n\
         then (1h:...) where 1-hour cache writes have a price of their own).\n",
    );
    if models.is_empty() {
        out.push_str("\nNo usage yet: no model has been seen.\n");
        return out;
    }
    let _ = writeln!(out);
    let mut estimated = false;
    for model in models {
        let default = model.entry.is_none() && !model.stored_cost;
        estimated |= default;
        let cost = format!(
            "{}{}",
            money(model.totals.cost),
            if default { "*" } else { "" }
        );
        let name = sanitize_middle(&model.model, columns.saturating_sub(width(&cost) + 1));
        let gap = columns.saturating_sub(width(&name) + width(&cost)).max(1);
        let _ = writeln!(out, "{name}{}{cost}", " ".repeat(gap));
        let price = &model.price;
        let detail = format!("  → {}: {}", entry(model), price.rates_text());
        if width(&detail) <= columns {
            let _ = writeln!(out, "{detail}");
        } else {
            let _ = writeln!(out, "  → {}", entry(model));
            let _ = writeln!(out, "    {}", price.rates_text());
        }
    }
    if estimated {
        out.push_str(
            "\n* priced by the default price (an estimate): add an entry under\n  [pricing.models.\"NAME\"] in the config file to price it.\n",
        );
    }
    out
}

/// The models as JSON: `[{ "model", "entry", "match", "stored_cost",
/// "price": { "input", "output", "cache_read", "cache_write", "cache_write_1h" }, "cost",
/// "estimated_cost" }]`, money as decimal strings.
///
/// # Errors
/// Serialization fails (it does not for these types).
pub fn render_json(models: &[ModelPrice]) -> Result<String, serde_json::Error> {
    let list: Vec<serde_json::Value> = models
        .iter()
        .map(|model| {
            serde_json::json!({
                "model": model.model,
                "entry": model.entry,
                "match": model.rule.code(),
                "stored_cost": model.stored_cost,
                "price": {
                    "input": model.price.input.normalize().to_string(),
                    "output": model.price.output.normalize().to_string(),
                    "cache_read": model.price.cache_read.normalize().to_string(),
                    "cache_write": model.price.cache_write.normalize().to_string(),
                    "cache_write_1h": model.price.cache_write_1h.normalize().to_string(),
                },
                "cost": model.totals.cost.normalize().to_string(),
                "estimated_cost": model.totals.estimated_cost.normalize().to_string(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).map(crate::output::json::terminal_safe)
}
