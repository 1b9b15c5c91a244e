//! Token sums wider than 64 bits. Both engines sum into 64-bit integers
//! first; a sum that overflows (SQLite's "integer overflow", PostgreSQL's
//! "bigint out of range") makes the store ask again in wide form: SQLite as
//! the text `high:low` of the sums of the upper and lower 32 bits of every
//! value, PostgreSQL as the exact numeric sum in text. [`WideSum`] decodes
//! either form, and plain integers, into an `i128`.

use serde::{Deserialize, Deserializer};
use sqlx::error::BoxDynError;
use sqlx::mysql::{MySql, MySqlTypeInfo, MySqlValueRef};
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Type, TypeInfo, ValueRef};

/// A token sum as a query returns it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WideSum(pub i128);

impl WideSum {
    /// Reads `high:low` (sums of the upper and lower 32 bits) or decimal digits.
    ///
    /// # Errors
    /// Any other text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let number = |part: &str| {
            part.parse::<i128>()
                .map_err(|_| format!("{text:?} is not a token sum"))
        };
        match text.split_once(':') {
            Some((high, low)) => number(high)?
                .checked_mul(1_i128 << 32)
                .and_then(|high| high.checked_add(number(low).ok()?))
                .map(WideSum)
                .ok_or_else(|| format!("{text:?} is not a token sum")),
            None => number(text).map(WideSum),
        }
    }
}

impl Type<Sqlite> for WideSum {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty) || <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for WideSum {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().name() == "TEXT" {
            let text = <&str as Decode<Sqlite>>::decode(value)?;
            return Ok(Self::parse(text)?);
        }
        Ok(Self(i128::from(<i64 as Decode<Sqlite>>::decode(value)?)))
    }
}

impl Type<Postgres> for WideSum {
    fn type_info() -> PgTypeInfo {
        <i64 as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <i64 as Type<Postgres>>::compatible(ty) || <String as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for WideSum {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        if <String as Type<Postgres>>::compatible(&value.type_info()) {
            let text = <&str as Decode<Postgres>>::decode(value)?;
            return Ok(Self::parse(text)?);
        }
        Ok(Self(i128::from(<i64 as Decode<Postgres>>::decode(value)?)))
    }
}

impl Type<MySql> for WideSum {
    fn type_info() -> MySqlTypeInfo {
        <i64 as Type<MySql>>::type_info()
    }

    fn compatible(ty: &MySqlTypeInfo) -> bool {
        <i64 as Type<MySql>>::compatible(ty)
            || <String as Type<MySql>>::compatible(ty)
            || <[u8] as Type<MySql>>::compatible(ty)
    }
}

impl<'r> Decode<'r, MySql> for WideSum {
    fn decode(value: MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
        if <i64 as Type<MySql>>::compatible(&value.type_info()) {
            return Ok(Self(i128::from(<i64 as Decode<MySql>>::decode(value)?)));
        }
        let bytes = <&[u8] as Decode<MySql>>::decode(value)?;
        Ok(Self::parse(&String::from_utf8_lossy(bytes))?)
    }
}

impl<'de> Deserialize<'de> for WideSum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Number(i64),
            Text(String),
        }
        match Form::deserialize(deserializer)? {
            Form::Number(number) => Ok(Self(i128::from(number))),
            Form::Text(text) => Self::parse(&text).map_err(serde::de::Error::custom),
        }
    }
}

/// True when `error` is an engine's 64-bit overflow of a sum.
#[must_use]
pub fn is_overflow(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database) => {
            database.code().as_deref() == Some("22003")
                || database.message().contains("integer overflow")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_read_back() {
        let value: i128 = i128::from(i64::MAX) * 3 + 12_345;
        let high = value >> 32;
        let low = value & 0xFFFF_FFFF;
        assert_eq!(WideSum::parse(&format!("{high}:{low}")), Ok(WideSum(value)));
        assert_eq!(WideSum::parse(&value.to_string()), Ok(WideSum(value)));
        // Negative values split the same way (arithmetic shift, low bits).
        let negative: i128 = -5_000_000_000;
        assert_eq!(
            WideSum::parse(&format!("{}:{}", negative >> 32, negative & 0xFFFF_FFFF)),
            Ok(WideSum(negative))
        );
        assert!(WideSum::parse("12:x").is_err());
        assert!(WideSum::parse("").is_err());
        let parsed: Vec<WideSum> = serde_json::from_str(r#"[7, "1:2"]"#).unwrap_or_default();
        assert_eq!(parsed, vec![WideSum(7), WideSum((1 << 32) + 2)]);
    }
}
