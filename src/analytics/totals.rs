//! Priced totals: usage plus its cost, and the part of that cost that only
//! the default price could give (an estimate).

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::pricing::{PriceTable, Resolved};
use crate::usage::Usage;

/// Usage with its cost in USD.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Requests and tokens.
    pub usage: Usage,
    /// Cost of all of it, unrounded.
    pub cost: Decimal,
    /// The part of `cost` priced by the default entry (an estimate).
    pub estimated_cost: Decimal,
    /// What prompt caching saved at the models' prices: the cost of the
    /// cached tokens as plain input, less what reading and writing the cache
    /// cost (negative when cache writes cost more than reads saved).
    pub cache_savings: Decimal,
}

impl Totals {
    /// Prices `usage` of one model.
    #[must_use]
    pub fn priced(usage: Usage, resolved: &Resolved) -> Self {
        let cost = resolved.price.cost(&usage);
        let estimated_cost = if resolved.is_priced() {
            Decimal::ZERO
        } else {
            cost
        };
        Self {
            usage,
            cost,
            estimated_cost,
            cache_savings: savings(&usage, &resolved.price),
        }
    }

    /// The totals of a group of `model`: its stored cost when the source
    /// has one, else its usage priced with `prices`; all of it an estimate
    /// when the group is `estimated` (the source stores cost but these rows
    /// have none, or it only counts total tokens).
    #[must_use]
    pub fn of_model(
        usage: Usage,
        model: &str,
        stored_cost: Option<Decimal>,
        estimated: bool,
        prices: &PriceTable,
    ) -> Self {
        match stored_cost {
            Some(cost) => Self {
                usage,
                cost,
                estimated_cost: Decimal::ZERO,
                cache_savings: savings(&usage, &prices.resolve(model).price),
            },
            None => {
                let totals = Self::priced(usage, &prices.resolve(model));
                if estimated {
                    Self {
                        estimated_cost: totals.cost,
                        ..totals
                    }
                } else {
                    totals
                }
            }
        }
    }

    /// Adds another group.
    pub fn add(&mut self, other: &Totals) {
        self.usage += other.usage;
        // Past Decimal's range (never a real bill) costs saturate.
        self.cost = self.cost.saturating_add(other.cost);
        self.estimated_cost = self.estimated_cost.saturating_add(other.estimated_cost);
        self.cache_savings = self.cache_savings.saturating_add(other.cache_savings);
    }

    /// The share of prompt tokens (input, cache reads and writes) read from
    /// the cache, 0 to 1; `None` without prompt tokens.
    #[must_use]
    pub fn cache_hit_ratio(&self) -> Option<Decimal> {
        let usage = &self.usage;
        let prompt = usage
            .input_tokens
            .saturating_add(usage.cache_read_tokens)
            .saturating_add(usage.cache_write_tokens);
        if prompt <= 0 {
            return None;
        }
        let read = Decimal::try_from_i128_with_scale(usage.cache_read_tokens.max(0), 0).ok()?;
        let prompt = Decimal::try_from_i128_with_scale(prompt, 0).ok()?;
        Some(read / prompt)
    }

    /// True when some of the cost is an estimate.
    #[must_use]
    pub fn has_estimate(&self) -> bool {
        !self.estimated_cost.is_zero()
    }
}

/// The cost of `usage` with its cached tokens priced as plain input, less
/// its cost with them priced as cache reads and writes.
fn savings(usage: &Usage, price: &crate::pricing::Price) -> Decimal {
    let uncached = Usage {
        input_tokens: usage
            .input_tokens
            .saturating_add(usage.cache_read_tokens)
            .saturating_add(usage.cache_write_tokens),
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cache_write_1h_tokens: 0,
        ..*usage
    };
    price.cost(&uncached) - price.cost(usage)
}

/// The sum of `costs`, saturating past Decimal's range (never a real bill)
/// instead of failing.
#[must_use]
pub fn sum_costs<I: IntoIterator<Item = Decimal>>(costs: I) -> Decimal {
    costs
        .into_iter()
        .fold(Decimal::ZERO, Decimal::saturating_add)
}

impl std::iter::Sum for Totals {
    fn sum<I: Iterator<Item = Totals>>(iter: I) -> Totals {
        let mut total = Totals::default();
        for item in iter {
            total.add(&item);
        }
        total
    }
}

impl Serialize for Totals {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Totals", 9)?;
        out.serialize_field("requests", &self.usage.requests)?;
        out.serialize_field("input_tokens", &self.usage.input_tokens)?;
        out.serialize_field("output_tokens", &self.usage.output_tokens)?;
        out.serialize_field("cache_read_tokens", &self.usage.cache_read_tokens)?;
        out.serialize_field("cache_write_tokens", &self.usage.cache_write_tokens)?;
        out.serialize_field("cache_write_1h_tokens", &self.usage.cache_write_1h_tokens)?;
        out.serialize_field("total_tokens", &self.usage.total_tokens())?;
        out.serialize_field("cost", &self.cost.normalize().to_string())?;
        out.serialize_field(
            "estimated_cost",
            &self.estimated_cost.normalize().to_string(),
        )?;
        out.end()
    }
}
