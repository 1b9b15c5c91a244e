//! Price table: the shipped table, name matching (exact, provider prefix,
//! date suffixes, longest prefix, default), whole-entry overrides, bad price
//! strings, and exact decimal costs.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use usagetop::analytics::Totals;
use usagetop::pricing::{
    normalize_model_name, Price, PriceEntry, PriceError, PriceFile, PriceTable, SHIPPED_PRICES,
};
use usagetop::usage::Usage;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn shipped() -> PriceTable {
    PriceTable::with_overrides(&PriceFile::default(), "pricing").unwrap()
}

fn entry(
    input: &str,
    output: &str,
    cache_read: Option<&str>,
    cache_write: Option<&str>,
) -> PriceEntry {
    PriceEntry {
        input: input.to_owned(),
        output: output.to_owned(),
        cache_read: cache_read.map(str::to_owned),
        cache_write: cache_write.map(str::to_owned),
        cache_write_1h: None,
    }
}

fn overrides(models: &[(&str, PriceEntry)]) -> PriceFile {
    PriceFile {
        models: models
            .iter()
            .map(|(name, entry)| ((*name).to_owned(), entry.clone()))
            .collect::<BTreeMap<_, _>>(),
        default: None,
    }
}

fn tokens(input: i128, output: i128, cache_read: i128, cache_write: i128) -> Usage {
    Usage {
        requests: 1,
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        cache_write_tokens: cache_write,
        cache_write_1h_tokens: 0,
    }
}

fn resolved_entry(table: &PriceTable, model: &str) -> Option<String> {
    table.resolve(model).entry
}

// ---- the shipped table ------------------------------------------------------

#[test]
fn shipped_table_is_the_config_file() {
    let on_disk =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/pricing.toml"))
            .unwrap();
    assert_eq!(SHIPPED_PRICES, on_disk);
}

#[test]
fn every_shipped_entry_parses_as_a_non_negative_decimal() {
    let value: toml::Value = toml::from_str(SHIPPED_PRICES).unwrap();
    let models = value.get("models").unwrap().as_table().unwrap();
    assert!(models.len() >= 30, "only {} entries", models.len());
    let table = shipped();
    assert_eq!(table.len(), models.len());
    assert!(!table.is_empty());
    for (name, fields) in models {
        let fields = fields.as_table().unwrap();
        for (key, price) in fields {
            assert!(
                [
                    "input",
                    "output",
                    "cache_read",
                    "cache_write",
                    "cache_write_1h"
                ]
                .contains(&key.as_str()),
                "{name}.{key}"
            );
            let text = price.as_str().unwrap();
            let parsed: Decimal = text.parse().unwrap();
            assert!(parsed >= Decimal::ZERO, "{name}.{key} = {text}");
        }
        // Every entry resolves to itself with exactly the written prices.
        let resolved = table.resolve(name);
        assert_eq!(resolved.entry.as_deref(), Some(name.as_str()));
        let field = |key: &str| fields.get(key).map(|v| d(v.as_str().unwrap()));
        let input = field("input").unwrap();
        assert_eq!(resolved.price.input, input, "{name}");
        assert_eq!(resolved.price.output, field("output").unwrap(), "{name}");
        assert_eq!(
            resolved.price.cache_read,
            field("cache_read").unwrap_or(input),
            "{name}"
        );
        assert_eq!(
            resolved.price.cache_write,
            field("cache_write").unwrap_or(input),
            "{name}"
        );
    }
}

#[test]
fn shipped_table_keeps_the_original_prices() {
    let table = shipped();
    for (model, input, output) in [
        ("claude-3-5-sonnet", "3", "15"),
        ("claude-3-opus", "15", "75"),
        ("gpt-4", "30", "60"),
        ("gpt-4-turbo", "10", "30"),
        ("gpt-3.5-turbo", "0.50", "1.50"),
    ] {
        let resolved = table.resolve(model);
        assert_eq!(resolved.entry.as_deref(), Some(model));
        assert_eq!(resolved.price.input, d(input), "{model} input");
        assert_eq!(resolved.price.output, d(output), "{model} output");
    }
    // The shipped default is 3.00 in and out, with cache prices falling back to input.
    let default = table.default_price();
    assert_eq!(
        default,
        Price {
            input: d("3"),
            output: d("3"),
            cache_read: d("3"),
            cache_write: d("3"),
            cache_write_1h: d("3"),
        }
    );
}

// ---- matching ------------------------------------------------------------------

#[test]
fn exact_match() {
    let table = shipped();
    assert_eq!(resolved_entry(&table, "gpt-4o").as_deref(), Some("gpt-4o"));
    assert_eq!(resolved_entry(&table, "gpt-4").as_deref(), Some("gpt-4"));
    assert_eq!(resolved_entry(&table, "o1").as_deref(), Some("o1"));
    assert_eq!(
        resolved_entry(&table, "claude-3-5-sonnet").as_deref(),
        Some("claude-3-5-sonnet")
    );
    assert_eq!(table.resolve("gpt-4o").price.input, d("2.50"));
}

#[test]
fn provider_prefix_is_stripped() {
    let table = shipped();
    assert_eq!(
        resolved_entry(&table, "openai/gpt-4o").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(
        resolved_entry(&table, "anthropic/claude-3-5-sonnet-20241022").as_deref(),
        Some("claude-3-5-sonnet")
    );
    assert_eq!(
        resolved_entry(&table, "openrouter/openai/gpt-4o-mini").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_eq!(normalize_model_name("openai/gpt-4o"), "gpt-4o");
    assert_eq!(
        normalize_model_name("anthropic/claude-3-5-sonnet-20241022"),
        "claude-3-5-sonnet"
    );
}

#[test]
fn date_suffixes_are_stripped() {
    assert_eq!(
        normalize_model_name("claude-3-5-sonnet-20241022"),
        "claude-3-5-sonnet"
    );
    assert_eq!(normalize_model_name("gpt-4o-2024-08-06"), "gpt-4o");
    assert_eq!(
        normalize_model_name("claude-3-5-sonnet@20240620"),
        "claude-3-5-sonnet"
    );
    // Not dates: left alone.
    assert_eq!(normalize_model_name("gpt-4-0613"), "gpt-4-0613");
    assert_eq!(normalize_model_name("gpt-4o-mini"), "gpt-4o-mini");
    assert_eq!(normalize_model_name("model-2024-8-6"), "model-2024-8-6");
    assert_eq!(normalize_model_name("x-2024080"), "x-2024080");

    let table = shipped();
    assert_eq!(
        resolved_entry(&table, "gpt-4o-2024-08-06").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(
        resolved_entry(&table, "claude-3-5-sonnet@20240620").as_deref(),
        Some("claude-3-5-sonnet")
    );

    // With entries that a longest-prefix match on the unstripped name would
    // pick instead, only stripping the suffix finds the right one.
    let table = PriceTable::with_overrides(
        &overrides(&[
            ("acme", entry("1", "1", None, None)),
            ("acme-2", entry("2", "2", None, None)),
            ("acme@2", entry("4", "4", None, None)),
        ]),
        "pricing",
    )
    .unwrap();
    assert_eq!(
        resolved_entry(&table, "acme-20241022").as_deref(),
        Some("acme")
    );
    assert_eq!(
        resolved_entry(&table, "acme-2024-08-06").as_deref(),
        Some("acme")
    );
    assert_eq!(
        resolved_entry(&table, "acme@20240620").as_deref(),
        Some("acme")
    );
    assert_eq!(
        resolved_entry(&table, "acme-2-large").as_deref(),
        Some("acme-2")
    );
    assert_eq!(table.resolve("acme-2024-08-06").price.input, d("1"));
}

#[test]
fn longest_prefix_wins() {
    let table = shipped();
    assert_eq!(
        resolved_entry(&table, "gpt-4-turbo-preview").as_deref(),
        Some("gpt-4-turbo")
    );
    assert_eq!(
        resolved_entry(&table, "gpt-4-0613").as_deref(),
        Some("gpt-4")
    );
    assert_eq!(
        resolved_entry(&table, "gpt-4o-mini-audio").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_eq!(
        resolved_entry(&table, "gpt-4.1-mini-2025-04-14").as_deref(),
        Some("gpt-4.1-mini")
    );
    assert_eq!(
        resolved_entry(&table, "gemini-2.5-flash-lite-preview").as_deref(),
        Some("gemini-2.5-flash-lite")
    );
    assert_eq!(table.resolve("gpt-4-turbo-preview").price.output, d("30"));
    assert_eq!(table.resolve("gpt-4-0613").price.input, d("30"));
}

#[test]
fn unknown_model_gets_the_default_price() {
    let table = shipped();
    for model in ["llama-3-70b", "mistral-large", "", "custom/thing-20240101"] {
        let resolved = table.resolve(model);
        assert_eq!(resolved.entry, None, "{model:?}");
        assert!(!resolved.is_priced());
        assert_eq!(resolved.price, table.default_price(), "{model:?}");
    }
    // Asking twice (memoised) gives the same answer.
    assert_eq!(table.resolve("llama-3-70b"), table.resolve("llama-3-70b"));
    assert!(table.resolve("gpt-4").is_priced());
}

#[test]
fn user_default_replaces_the_shipped_default() {
    let file = PriceFile {
        models: BTreeMap::new(),
        default: Some(entry("7", "9", Some("0.5"), None)),
    };
    let table = PriceTable::with_overrides(&file, "pricing").unwrap();
    let resolved = table.resolve("who-knows");
    assert_eq!(resolved.entry, None);
    assert_eq!(
        resolved.price,
        Price {
            input: d("7"),
            output: d("9"),
            cache_read: d("0.5"),
            cache_write: d("7"),
            cache_write_1h: d("7"),
        }
    );
}

// ---- overrides -------------------------------------------------------------------

#[test]
fn override_replaces_the_shipped_entry_as_a_whole() {
    let table = PriceTable::with_overrides(
        &overrides(&[("claude-3-5-sonnet", entry("4", "20", None, None))]),
        "pricing",
    )
    .unwrap();
    let resolved = table.resolve("claude-3-5-sonnet-20241022");
    assert_eq!(resolved.entry.as_deref(), Some("claude-3-5-sonnet"));
    // The shipped entry had cache_read 0.30 and cache_write 3.75; the
    // override has neither, so both fall back to the override's input.
    assert_eq!(
        resolved.price,
        Price {
            input: d("4"),
            output: d("20"),
            cache_read: d("4"),
            cache_write: d("4"),
            cache_write_1h: d("4"),
        }
    );
    // Other entries are untouched and new names are added.
    assert_eq!(table.resolve("claude-3-opus").price.cache_read, d("1.50"));
    assert_eq!(table.len(), shipped().len());
    let table = PriceTable::with_overrides(
        &overrides(&[("my-model", entry("0.1", "0.2", Some("0.01"), Some("0.3")))]),
        "pricing",
    )
    .unwrap();
    assert_eq!(table.len(), shipped().len() + 1);
    assert_eq!(
        table.resolve("my-model-v2").entry.as_deref(),
        Some("my-model")
    );
}

#[test]
fn bad_prices_name_the_key() {
    for bad in ["abc", "-1", "", "1,5"] {
        let err = PriceTable::with_overrides(
            &overrides(&[("gpt-4o", entry(bad, "1", None, None))]),
            "pricing",
        )
        .unwrap_err();
        assert_eq!(
            err,
            PriceError::BadPrice {
                key: "pricing.models.\"gpt-4o\".input".to_owned(),
                value: bad.to_owned(),
            },
            "{bad:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("pricing.models.\"gpt-4o\".input"),
            "{message}"
        );
    }
    let err = PriceTable::with_overrides(
        &overrides(&[("x", entry("1", "1", Some("-0.5"), None))]),
        "cfg",
    )
    .unwrap_err();
    assert_eq!(
        err,
        PriceError::BadPrice {
            key: "cfg.models.\"x\".cache_read".to_owned(),
            value: "-0.5".to_owned(),
        }
    );
    let err = PriceTable::with_overrides(
        &overrides(&[("x", entry("1", "1", None, Some("free")))]),
        "pricing",
    )
    .unwrap_err();
    assert_eq!(
        err,
        PriceError::BadPrice {
            key: "pricing.models.\"x\".cache_write".to_owned(),
            value: "free".to_owned(),
        }
    );
    let err = PriceTable::with_overrides(
        &PriceFile {
            models: BTreeMap::new(),
            default: Some(entry("1", "abc", None, None)),
        },
        "pricing",
    )
    .unwrap_err();
    assert_eq!(
        err,
        PriceError::BadPrice {
            key: "pricing.default.output".to_owned(),
            value: "abc".to_owned(),
        }
    );
    // Zero and padded decimals are fine.
    assert!(PriceTable::with_overrides(
        &overrides(&[("x", entry("0", " 2.5 ", Some("0.000"), None))]),
        "pricing"
    )
    .is_ok());
}

// ---- cost ------------------------------------------------------------------------

#[test]
fn cost_is_exact() {
    let table = shipped();
    let sonnet = table.resolve("claude-3-5-sonnet").price;
    assert_eq!(sonnet.cost(&tokens(1_000_000, 0, 0, 0)), d("3"));
    assert_eq!(sonnet.cost(&tokens(0, 0, 1_234_567, 0)), d("0.3703701"));
    assert_eq!(sonnet.cost(&tokens(0, 1, 0, 0)), d("0.000015"));
    // 1234*3 + 5678*15 + 91011*0.30 + 1213*3.75 = 3702 + 85170 + 27303.3 + 4548.75
    // = 120724.05 per million.
    assert_eq!(
        sonnet.cost(&tokens(1234, 5678, 91_011, 1213)),
        d("0.12072405")
    );
    assert_eq!(sonnet.cost(&Usage::default()), Decimal::ZERO);

    let mini = table.resolve("gpt-4o-mini").price;
    // One cached token at 0.075 per million.
    assert_eq!(mini.cost(&tokens(0, 0, 1, 0)), d("0.000000075"));
    // Cache writes fall back to the input price (0.15).
    assert_eq!(mini.cost(&tokens(0, 0, 0, 2_000_000)), d("0.3"));

    let opus = table.resolve("claude-3-opus").price;
    // 123456789 output tokens at 75: 9259259175 / 1e6.
    assert_eq!(opus.cost(&tokens(0, 123_456_789, 0, 0)), d("9259.259175"));

    // Huge counts stay exact.
    let gpt4 = table.resolve("gpt-4").price;
    assert_eq!(
        gpt4.cost(&tokens(1_000_000_000_000, 1_000_000_000_000, 0, 0)),
        d("90000000")
    );
}

#[test]
fn priced_totals_mark_only_default_priced_cost_as_estimated() {
    let table = shipped();
    let usage = tokens(2_000_000, 1_000_000, 0, 0);
    let known = Totals::priced(usage, &table.resolve("gpt-4-turbo"));
    assert_eq!(known.usage, usage);
    assert_eq!(known.cost, d("50"));
    assert_eq!(known.estimated_cost, Decimal::ZERO);
    assert!(!known.has_estimate());

    let unknown = Totals::priced(usage, &table.resolve("llama-3-70b"));
    assert_eq!(unknown.cost, d("9"));
    assert_eq!(unknown.estimated_cost, d("9"));
    assert!(unknown.has_estimate());

    let both: Totals = [known, unknown].into_iter().sum();
    assert_eq!(both.cost, d("59"));
    assert_eq!(both.estimated_cost, d("9"));
    assert_eq!(both.usage.input_tokens, 4_000_000);
    assert_eq!(both.usage.requests, 2);

    // A stored cost wins over the table and is never an estimate.
    let stored = Totals::of_model(usage, "llama-3-70b", Some(d("1.25")), false, &table);
    assert_eq!(stored.cost, d("1.25"));
    assert_eq!(stored.estimated_cost, Decimal::ZERO);
    let table_priced =
        Totals::of_model(usage, "openai/gpt-4-turbo-2024-04-09", None, false, &table);
    assert_eq!(table_priced.cost, d("50"));
}
