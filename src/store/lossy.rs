//! Text from a database that may not be valid UTF-8: SQLite stores whatever
//! bytes an application wrote, and a model name with invalid bytes must not
//! fail a report. [`LossyText`] reads the bytes and shows what cannot be
//! read as U+FFFD (the replacement character).

use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef, Postgres};
use sqlx::sqlite::{Sqlite, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Type};

/// Text read without failing on invalid UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LossyText(pub String);

impl Type<Sqlite> for LossyText {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <[u8] as Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Sqlite> for LossyText {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&[u8] as Decode<Sqlite>>::decode(value)?;
        Ok(Self(String::from_utf8_lossy(bytes).into_owned()))
    }
}

impl Type<Postgres> for LossyText {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as Type<Postgres>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Postgres> for LossyText {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        // The server's encoding is checked on the way in: always UTF-8 here.
        Ok(Self(<&str as Decode<Postgres>>::decode(value)?.to_owned()))
    }
}

impl Type<sqlx::mysql::MySql> for LossyText {
    fn type_info() -> sqlx::mysql::MySqlTypeInfo {
        <String as Type<sqlx::mysql::MySql>>::type_info()
    }

    fn compatible(ty: &sqlx::mysql::MySqlTypeInfo) -> bool {
        <String as Type<sqlx::mysql::MySql>>::compatible(ty)
            || <[u8] as Type<sqlx::mysql::MySql>>::compatible(ty)
    }
}

impl<'r> Decode<'r, sqlx::mysql::MySql> for LossyText {
    fn decode(value: sqlx::mysql::MySqlValueRef<'r>) -> Result<Self, BoxDynError> {
        let bytes = <&[u8] as Decode<sqlx::mysql::MySql>>::decode(value)?;
        Ok(Self(String::from_utf8_lossy(bytes).into_owned()))
    }
}
