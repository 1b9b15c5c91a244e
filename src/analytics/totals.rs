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
    }

    /// True when some of the cost is an estimate.
    #[must_use]
    pub fn has_estimate(&self) -> bool {
        !self.estimated_cost.is_zero()
    }
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
        let mut out = serializer.serialize_struct("Totals", 8)?;
        out.serialize_field("requests", &self.usage.requests)?;
        out.serialize_field("input_tokens", &self.usage.input_tokens)?;
        out.serialize_field("output_tokens", &self.usage.output_tokens)?;
        out.serialize_field("cache_read_tokens", &self.usage.cache_read_tokens)?;
        out.serialize_field("cache_write_tokens", &self.usage.cache_write_tokens)?;
        out.serialize_field("total_tokens", &self.usage.total_tokens())?;
        out.serialize_field("cost", &self.cost.normalize().to_string())?;
        out.serialize_field(
            "estimated_cost",
            &self.estimated_cost.normalize().to_string(),
        )?;
        out.end()
    }
}
