//! `usagetop import openai-usage` / `anthropic-usage`: the organization usage
//! reports' pages in their real shapes, saved out of order, overlapping, with
//! a bucket that grew between two pages, imported again; each time the
//! report's totals equal the totals computed here from the final buckets.

use serde_json::{json, Value};

use super::*;

const DAY0: i64 = 1_795_132_800; // 2026-11-20
const DAY: i64 = 86_400;

/// One OpenAI result: bucket day, model, project, api key, user, batch,
/// [input incl. cache, cached, cache writes, output, requests].
#[derive(Clone, Debug)]
struct OpenAiResult {
    day: i64,
    model: &'static str,
    project: &'static str,
    key: Option<&'static str>,
    user: Option<&'static str>,
    batch: bool,
    counts: [i64; 5],
}

fn openai_result(result: &OpenAiResult) -> Value {
    let [input, cached, written, output, requests] = result.counts;
    json!({
        "object": "organization.usage.completions.result",
        "input_tokens": input, "output_tokens": output,
        "input_cached_tokens": cached, "input_cache_write_tokens": written,
        "input_uncached_tokens": input - cached - written,
        "input_audio_tokens": 0, "output_audio_tokens": 0,
        "num_model_requests": requests,
        "project_id": result.project, "user_id": result.user, "api_key_id": result.key,
        "model": result.model, "batch": result.batch, "service_tier": null
    })
}

/// A page of daily buckets `days` holding `results` (those of its days).
fn openai_page(
    days: &[i64],
    results: &[&OpenAiResult],
    extra: &[Value],
    next: Option<&str>,
) -> Value {
    let data: Vec<Value> = days
        .iter()
        .map(|day| {
            let mut list: Vec<Value> = results
                .iter()
                .filter(|result| result.day == *day)
                .map(|result| openai_result(result))
                .collect();
            if *day == days[0] {
                list.extend(extra.iter().cloned());
            }
            json!({"object": "bucket", "start_time": DAY0 + day * DAY,
                   "end_time": DAY0 + (day + 1) * DAY, "results": list})
        })
        .collect();
    json!({"object": "page", "data": data, "has_more": next.is_some(), "next_page": next})
}

fn openai_totals(results: &[&OpenAiResult]) -> Totals {
    let mut totals = Totals {
        requests: 0,
        input: 0,
        output: 0,
        read: 0,
        write: 0,
        write_1h: 0,
        cost: Decimal::ZERO,
    };
    for result in results {
        let [input, cached, written, output, requests] = result.counts;
        let uncached = input - cached - written;
        totals.requests += requests;
        totals.input += uncached;
        totals.output += output;
        totals.read += cached;
        totals.write += written;
        let [p_in, p_out, p_read, p_write, _] = price(result.model);
        totals.cost += (Decimal::from(uncached) * p_in
            + Decimal::from(output) * p_out
            + Decimal::from(cached) * p_read
            + Decimal::from(written) * p_write)
            / Decimal::from(1_000_000);
    }
    totals.cost = totals.cost.normalize();
    totals
}

struct OpenAiFixture {
    folder: PathBuf,
    early_page: PathBuf,
    finals: Vec<OpenAiResult>,
    early: OpenAiResult,
}

fn openai_fixture(sandbox: &Sandbox) -> OpenAiFixture {
    let r = |day, model, project, key, user, batch, counts| OpenAiResult {
        day,
        model,
        project,
        key,
        user,
        batch,
        counts,
    };
    let finals = vec![
        r(
            0,
            "gpt-4o",
            "proj_a",
            None,
            None,
            false,
            [10_000, 4_000, 0, 2_000, 12],
        ),
        r(
            0,
            "gpt-4o",
            "proj_b",
            None,
            None,
            false,
            [3_000, 0, 0, 100, 3],
        ),
        r(
            0,
            "gpt-5",
            "proj_b",
            Some("key_1"),
            Some("user_1"),
            false,
            [50_000, 30_000, 1_000, 9_000, 40],
        ),
        r(
            2,
            "gpt-4o",
            "proj_a",
            None,
            None,
            false,
            [7_000, 1_000, 0, 700, 9],
        ),
        // The same group but for the batch flag: its own result.
        r(
            2,
            "gpt-4o",
            "proj_a",
            None,
            None,
            true,
            [5_000, 0, 0, 500, 2],
        ),
        // Today's bucket, final.
        r(
            3,
            "gpt-5",
            "proj_b",
            Some("key_1"),
            Some("user_1"),
            false,
            [20_000, 5_000, 0, 3_000, 15],
        ),
    ];
    // The same bucket earlier in the day: smaller.
    let early = r(
        3,
        "gpt-5",
        "proj_b",
        Some("key_1"),
        Some("user_1"),
        false,
        [8_000, 2_000, 0, 1_000, 6],
    );
    let folder = sandbox.path("openai-pages");
    std::fs::create_dir_all(folder.join("older")).unwrap();
    let all: Vec<&OpenAiResult> = finals.iter().collect();
    let embeddings = json!({"object": "organization.usage.embeddings.result", "input_tokens": 99,
                            "num_model_requests": 1, "model": "text-embedding-3-small"});
    let page1 = openai_page(&[0, 1], &all, &[embeddings], Some("page_2"));
    let mut with_early: Vec<&OpenAiResult> = all
        .iter()
        .copied()
        .filter(|result| result.day != 3)
        .collect();
    with_early.push(&early);
    let page2 = openai_page(&[1, 2, 3], &with_early, &[], Some("page_3"));
    let page3 = openai_page(&[2, 3], &all, &[], None);
    // Out of order by name, and pretty-printed as curl saves them.
    std::fs::write(
        folder.join("z-first.json"),
        serde_json::to_string_pretty(&page1).unwrap(),
    )
    .unwrap();
    let early_page = folder.join("older/m-second.json");
    std::fs::write(&early_page, page2.to_string()).unwrap();
    std::fs::write(
        folder.join("a-third.json"),
        serde_json::to_string_pretty(&page3).unwrap(),
    )
    .unwrap();
    OpenAiFixture {
        folder,
        early_page,
        finals,
        early,
    }
}

#[test]
fn openai_usage_pages_count_each_bucket_once_in_any_order() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = openai_fixture(&sandbox);

    // The middle page alone: today's bucket in its early, smaller state.
    import(&sandbox, &db, "openai-usage", &[&fixture.early_page]);
    let mut seen: Vec<&OpenAiResult> = fixture
        .finals
        .iter()
        .filter(|result| result.day == 2)
        .collect();
    seen.push(&fixture.early);
    assert_eq!(report(&sandbox, &db).0, openai_totals(&seen));

    // Every page, out of order (the early page again among them): today's
    // bucket takes its final counts; overlapping days are stored once.
    let text = import(&sandbox, &db, "openai-usage", &[&fixture.folder]);
    assert!(text.contains("openai-usage: 3 files"), "{text}");
    assert!(text.contains("3 events added, 1 updated"), "{text}");
    assert!(text.contains("1 malformed"), "{text}");
    assert!(text.contains("embeddings"), "{text}");
    let finals: Vec<&OpenAiResult> = fixture.finals.iter().collect();
    let (totals, _) = report(&sandbox, &db);
    assert_eq!(totals, openai_totals(&finals));
    assert_eq!(totals.requests, 81, "num_model_requests are the requests");
    let direct = sandbox.ok(&[
        "report",
        "--database-url",
        &url_of(&db),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--now",
        NOW,
        "--no-cache",
    ]);
    let direct: Value = serde_json::from_str(&direct).unwrap();
    assert_eq!(
        direct["summary"]["all_time"]["requests"].as_i64(),
        Some(81),
        "without the cache"
    );
    assert_eq!(
        direct["summary"]["all_time"]["cost"],
        serde_json::from_str::<Value>(&sandbox.ok(&[
            "report",
            "--database-url",
            &url_of(&db),
            "--format",
            "json",
            "--tz",
            "UTC",
            "--now",
            NOW,
        ]))
        .unwrap()["summary"]["all_time"]["cost"]
    );

    // Again: nothing changes.
    let text = import(&sandbox, &db, "openai-usage", &[&fixture.folder]);
    assert!(text.contains("0 events added, 0 updated"), "{text}");
    assert_eq!(report(&sandbox, &db).0, openai_totals(&finals));

    // Re-saved (rewritten) pages are read again and still count once.
    let page = fixture.folder.join("a-third.json");
    let text = std::fs::read_to_string(&page).unwrap();
    let compact: Value = serde_json::from_str(&text).unwrap();
    std::fs::write(&page, compact.to_string()).unwrap();
    let text = import(&sandbox, &db, "openai-usage", &[&fixture.folder]);
    assert!(text.contains("1 rewritten"), "{text}");
    assert!(
        text.contains("0 events added, 0 updated, 0 removed"),
        "{text}"
    );
    assert_eq!(report(&sandbox, &db).0, openai_totals(&finals));

    // Buckets are events at their start: each on its own day.
    let requests_on = |day: &str| {
        let text = sandbox.ok(&[
            "report",
            "--database-url",
            &url_of(&db),
            "--format",
            "json",
            "--tz",
            "UTC",
            "--now",
            NOW,
            "--from",
            day,
            "--to",
            day,
        ]);
        let json: Value = serde_json::from_str(&text).unwrap();
        json["range"]["requests"].as_i64().unwrap()
    };
    assert_eq!(requests_on("2026-11-20"), 12 + 3 + 40);
    assert_eq!(requests_on("2026-11-21"), 0);
    assert_eq!(requests_on("2026-11-23"), 15);
}

#[test]
fn openai_usage_projects_keys_and_users_become_dimensions() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = openai_fixture(&sandbox);
    import(&sandbox, &db, "openai-usage", &[&fixture.folder]);
    let config = sandbox.path("usagetop.toml");
    std::fs::write(
        &config,
        "[source]\nuser = \"project\"\nendpoint = \"endpoint\"\n",
    )
    .unwrap();
    let text = sandbox.ok(&[
        "report",
        "--database-url",
        &url_of(&db),
        "--config",
        &config.display().to_string(),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--now",
        NOW,
        "--user",
        "proj_b",
    ]);
    let json: Value = serde_json::from_str(&text).unwrap();
    let requests = json["summary"]["all_time"]["requests"].as_i64().unwrap();
    assert_eq!(requests, 3 + 40 + 15, "proj_b's requests: {json}");
    let text = sandbox.ok(&[
        "report",
        "--database-url",
        &url_of(&db),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--now",
        NOW,
        "--endpoint",
        "key_1",
    ]);
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        json["summary"]["all_time"]["requests"].as_i64(),
        Some(40 + 15)
    );
}

/// One Anthropic result: day, workspace, [uncached, 5m, 1h, read, output].
fn anthropic_result(workspace: Option<&str>, counts: [i64; 5]) -> Value {
    let [uncached, five, hour, read, output] = counts;
    json!({
        "uncached_input_tokens": uncached,
        "cache_creation": {"ephemeral_1h_input_tokens": hour, "ephemeral_5m_input_tokens": five},
        "cache_read_input_tokens": read, "output_tokens": output,
        "server_tool_use": {"web_search_requests": 0},
        "api_key_id": null, "workspace_id": workspace,
        "model": "claude-sonnet-4-5-20250929", "service_tier": "standard", "context_window": "0-200k"
    })
}

fn anthropic_page(buckets: &[(i64, Vec<Value>)], next: Option<&str>) -> Value {
    let at = |seconds: i64| {
        chrono::DateTime::from_timestamp(seconds, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let data: Vec<Value> = buckets
        .iter()
        .map(|(day, results)| {
            json!({"starting_at": at(DAY0 + day * DAY), "ending_at": at(DAY0 + (day + 1) * DAY),
                   "results": results})
        })
        .collect();
    json!({"data": data, "has_more": next.is_some(), "next_page": next})
}

#[test]
fn anthropic_usage_pages_keep_cache_writes_and_count_no_requests() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let finals = [
        (0, Some("wrkspc_1"), [1_500, 500, 1_000, 200, 500]),
        (0, None, [300, 0, 0, 50, 40]),
        (1, Some("wrkspc_1"), [2_000, 100, 4_000, 9_000, 800]),
    ];
    let early = (1, Some("wrkspc_1"), [900, 100, 1_000, 3_000, 200]);
    let pages = json!([
        anthropic_page(
            &[
                (
                    0,
                    vec![
                        anthropic_result(finals[0].1, finals[0].2),
                        anthropic_result(finals[1].1, finals[1].2)
                    ]
                ),
                (1, vec![anthropic_result(early.1, early.2)])
            ],
            Some("page_MjAy")
        ),
        anthropic_page(
            &[(1, vec![anthropic_result(finals[2].1, finals[2].2)])],
            None
        ),
    ]);
    let file = sandbox.path("anthropic.json");
    std::fs::write(&file, pages.to_string()).unwrap();
    let text = import(&sandbox, &db, "anthropic-usage", &[&file]);
    assert!(text.contains("3 events added"), "{text}");
    let (totals, _) = report(&sandbox, &db);
    let sum = |index: usize| {
        finals
            .iter()
            .map(|(_, _, counts)| counts[index])
            .sum::<i64>()
    };
    assert_eq!(totals.requests, 0, "the report gives no request count");
    assert_eq!(totals.input, sum(0));
    assert_eq!(totals.write, sum(1) + sum(2));
    assert_eq!(totals.write_1h, sum(2));
    assert_eq!(totals.read, sum(3));
    assert_eq!(totals.output, sum(4));
    // 1-hour writes are priced at their own rate (twice the input price),
    // 5-minute writes at the cache-write price.
    let [p_in, p_out, p_read, p_write, p_write_1h] = price("claude-sonnet-4-5-20250929");
    let cost = (Decimal::from(sum(0)) * p_in
        + Decimal::from(sum(4)) * p_out
        + Decimal::from(sum(3)) * p_read
        + Decimal::from(sum(1)) * p_write
        + Decimal::from(sum(2)) * p_write_1h)
        / Decimal::from(1_000_000);
    assert_eq!(totals.cost, cost.normalize());
    // The 1-hour part is kept apart.
    let conn = column_sum(&db, "cache_write_1h_tokens");
    assert_eq!(conn, sum(2));

    // The same pages from standard input, as curl prints them: nothing new.
    let output = sandbox
        .command()
        .args([
            "import",
            "--database-url",
            &url_of(&db),
            "anthropic-usage",
            "-",
        ])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("0 events added, 0 updated"), "{text}");
    assert_eq!(report(&sandbox, &db).0.output, sum(4));
}

#[test]
fn usage_reports_need_pages_or_fetch() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&["import", "--database-url", &sandbox.db(), "openai-usage"]);
    assert_clean_failure(&output, &["openai-usage", "--fetch", "OPENAI_ADMIN_KEY"]);
    let output = sandbox.run(&[
        "import",
        "--database-url",
        &sandbox.db(),
        "codex",
        "--fetch",
    ]);
    assert_clean_failure(&output, &["--fetch", "codex"]);
    let output = sandbox
        .command()
        .args([
            "import",
            "--database-url",
            &sandbox.db(),
            "anthropic-usage",
            "--fetch",
        ])
        .env_remove("ANTHROPIC_ADMIN_KEY")
        .output()
        .unwrap();
    assert_clean_failure(&output, &["ANTHROPIC_ADMIN_KEY"]);
}

#[test]
fn the_report_says_when_a_provider_comes_from_two_kinds_of_source() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    let fixture = claude_fixture(&sandbox);
    import(&sandbox, &db, "claude-code", &[&fixture.root]);
    let url = url_of(&db);
    let args = [
        "report",
        "--database-url",
        &url,
        "--tz",
        "UTC",
        "--now",
        NOW,
    ];
    let notes = |format: &str| {
        let mut args = args.to_vec();
        args.extend(["--format", format]);
        sandbox.ok(&args)
    };
    assert!(!notes("text").contains("two kinds of source"));
    // Anthropic's report for a day of the logs (2 March) and a day without.
    let page = json!({"data": [
        {"starting_at": "2026-03-02T00:00:00Z", "ending_at": "2026-03-03T00:00:00Z",
         "results": [anthropic_result(Some("wrkspc_1"), [100, 0, 0, 0, 10])]},
        {"starting_at": "2026-03-05T00:00:00Z", "ending_at": "2026-03-06T00:00:00Z",
         "results": [anthropic_result(Some("wrkspc_1"), [100, 0, 0, 0, 10])]}],
        "has_more": false, "next_page": null});
    let file = sandbox.path("anthropic.json");
    std::fs::write(&file, page.to_string()).unwrap();
    import(&sandbox, &db, "anthropic-usage", &[&file]);
    // OpenAI's report on the same day: no OpenAI model in the logs.
    let openai = openai_page(
        &[0],
        &[&OpenAiResult {
            day: 0,
            model: "gpt-4o",
            project: "p",
            key: None,
            user: None,
            batch: false,
            counts: [10, 0, 0, 1, 1],
        }],
        &[],
        None,
    );
    let file = sandbox.path("openai.json");
    std::fs::write(&file, openai.to_string()).unwrap();
    import(&sandbox, &db, "openai-usage", &[&file]);
    let expected = "Anthropic usage comes from two kinds of source on 2026-03-02: anthropic-usage \
                    and claude-code; the same requests may be counted twice";
    let json: Value = serde_json::from_str(&notes("json")).unwrap();
    let listed: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .filter(|note| note.contains("two kinds of source"))
        .collect();
    assert_eq!(listed.len(), 1, "{json}");
    assert!(listed[0].starts_with(expected), "{}", listed[0]);
    let text = notes("text");
    assert!(
        text.contains("Anthropic usage comes from two kinds of source"),
        "{text}"
    );
}

/// `SUM(column)` of the imported events, read with sqlx.
fn column_sum(db: &Path, column: &str) -> i64 {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let sql = format!("SELECT COALESCE(SUM({column}), 0) FROM usage_events");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            let (sum,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut conn)
                .await
                .unwrap();
            sum
        })
}

/// Runs SQL on the file (read-write).
async fn run_sql(db: &Path, sql: &str) {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(true);
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_database_of_the_previous_schema_counts_requests_after_migration_4() {
    let sandbox = Sandbox::new();
    let db = sandbox.path("usage.db");
    // usagetop's database as the previous version left it: steps 1 to 3.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut sql = String::from(
        "CREATE TABLE usagetop_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, \
         applied_at INTEGER NOT NULL);",
    );
    for (version, file) in [
        (1, "0001_usage_events.sql"),
        (2, "0002_usage_slots.sql"),
        (3, "0003_imports.sql"),
    ] {
        sql.push_str(&std::fs::read_to_string(root.join(file)).unwrap());
        sql.push_str(&format!(
            "\nINSERT INTO usagetop_migrations VALUES ({version}, 'step {version}', 0);\n"
        ));
    }
    sql.push_str(
        "INSERT INTO usage_events (ts, model, input_tokens, output_tokens) VALUES \
         (1795132800, 'gpt-4o', 100, 10), (1795132900, 'gpt-4o', 200, 20), (1795219200, 'gpt-4o', 50, 5);",
    );
    run_sql(&db, &sql).await;
    let url = url_of(&db);
    let requests = |cache: bool| {
        let mut args = vec![
            "report",
            "--database-url",
            &url,
            "--format",
            "json",
            "--tz",
            "UTC",
            "--now",
            NOW,
        ];
        if !cache {
            args.push("--no-cache");
        }
        let json: Value = serde_json::from_str(&sandbox.ok(&args)).unwrap();
        json["summary"]["all_time"]["requests"].as_i64().unwrap()
    };
    // Opening it applies step 4: every row still counts one request.
    assert_eq!(requests(true), 3);
    assert_eq!(requests(false), 3);
    // A bucket of 50 requests, then a change of its count and a deletion:
    // the triggers keep usage_slots (which the cache reads) right.
    run_sql(
        &db,
        "INSERT INTO usage_events (ts, model, input_tokens, output_tokens, requests, source, source_key) \
         VALUES (1795219200, 'gpt-4o', 1000, 100, 50, 'openai-usage', 'k');",
    )
    .await;
    let rebuild = |sandbox: &Sandbox| sandbox.ok(&["cache", "rebuild", "--database-url", &url]);
    rebuild(&sandbox);
    assert_eq!((requests(true), requests(false)), (53, 53));
    run_sql(
        &db,
        "UPDATE usage_events SET requests = 70 WHERE source_key = 'k';",
    )
    .await;
    rebuild(&sandbox);
    assert_eq!((requests(true), requests(false)), (73, 73));
    run_sql(&db, "DELETE FROM usage_events WHERE ts = 1795132800;").await;
    rebuild(&sandbox);
    assert_eq!((requests(true), requests(false)), (72, 72));
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&options)
        .await
        .unwrap();
    let (slots,): (i64,) = sqlx::query_as("SELECT SUM(requests) FROM usage_slots")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(slots, 72);
}
