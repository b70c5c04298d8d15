//! `certify bank …`: importing, listing, showing, counting, exporting and retiring items.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::json;

use super::Context;
use crate::bank::{self, BankView, Change, ITEM_SCHEMA, Item, ItemState};
use crate::cli::{BankCommand, BankExportArgs, BankImportArgs, BankLintArgs, BankListArgs, BankShowArgs};
use crate::clock;
use crate::db::{BankRead, Db, ItemFilter, StoredItem};
use crate::error::{Error, io_error};
use crate::import::{self, ReadOptions, Source, TextEncoding};
use crate::lint;
use crate::output::{align_right, note, progress, table, truncate};
use crate::problem::Problems;
use crate::spreadsheet::{self, Sheet, TableFormat, Value};
use crate::vocabulary::{Difficulty, Domain, Kind, Level};

pub fn run(context: &Context, command: &BankCommand) -> Result<(), Error> {
    match command {
        BankCommand::Import(args) => import_command(context, args),
        BankCommand::List(args) => list(context, args),
        BankCommand::Show(args) => show(context, args),
        BankCommand::Stats => stats(context),
        BankCommand::Export(args) => export(context, args),
        BankCommand::Retire(args) => set_retired(context, &args.ids, true, args.reason.as_deref()),
        BankCommand::Restore(args) => set_retired(context, &args.ids, false, None),
        BankCommand::Lint(args) => lint_command(context, args),
    }
}

/// How an import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub encoding: TextEncoding,
    /// Check and count, write nothing.
    pub dry_run: bool,
    /// Skip records whose id the bank already has (the bundled bank on `init`).
    pub only_new_ids: bool,
}

/// What one file contributed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    pub file: String,
    pub added: usize,
    pub new_versions: usize,
    pub unchanged: usize,
    pub rejected: usize,
}

/// What an import did (or, with `--dry-run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub new_versions: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Records skipped because the bank already has their id (`init` only).
    pub skipped_existing: usize,
    /// Unchanged items whose file carried a different calibrated facility.
    pub facility_updated: usize,
    pub dry_run: bool,
    pub files: Vec<FileReport>,
    pub warnings: Vec<String>,
    /// The items read (valid ones), for the lint summary after an import.
    #[serde(skip)]
    pub items: Vec<Item>,
}

/// Reads, checks and stores items from `sources` in one transaction. Any error: nothing
/// is written and the error lists every problem found.
pub fn import_sources(db: &mut Db, sources: &[Source], options: ImportOptions) -> Result<ImportReport, Error> {
    let mut problems = Problems::default();
    let records = import::read_all(sources, &ITEM_SCHEMA, ReadOptions { encoding: options.encoding }, &mut problems)?;

    let states: HashMap<String, ItemState> = db.item_states()?;
    let mut report = ImportReport { dry_run: options.dry_run, ..ImportReport::default() };
    let mut files: BTreeMap<String, FileReport> = BTreeMap::new();
    for source in sources {
        files
            .entry(source.name.clone())
            .or_insert_with(|| FileReport { file: source.name.clone(), ..FileReport::default() });
    }

    let mut items = Vec::with_capacity(records.len());
    for record in &records {
        if options.only_new_ids
            && let Some(import::Field { cell: import::Cell::Text(id), .. }) = record.get("id")
            && states.contains_key(id.trim())
        {
            report.skipped_existing += 1;
            continue;
        }
        if let Some(item) = bank::item_from_record(record, &mut problems) {
            items.push((item, record.location.clone()));
        }
    }
    let ids: HashSet<String> = states.keys().cloned().collect();
    let stems: HashMap<String, String> =
        db.current_stems()?.into_iter().map(|(id, stem)| (bank::stem_key(&stem), id)).collect();
    bank::check_batch(&records, &items, &BankView { ids: &ids, stems: &stems }, &mut problems);

    report.warnings = problems.warnings().map(ToString::to_string).collect();
    if problems.has_errors() {
        for file in files.values_mut() {
            file.rejected = problems.errors_in(&file.file);
        }
        // The summary goes to stderr: stdout stays empty when a command fails.
        let mut summary = file_table(files.values());
        summary.set_header(["文件", "新增", "新版本", "未变", "有误的行"]);
        for line in summary.lines() {
            note(line.trim_end());
        }
        return Err(Error::Invalid(problems.into_errors()));
    }

    let now = clock::now_text();
    let tx = db.transaction()?;
    let bar = progress(items.len() as u64, "导入试题");
    if items.len() < 2000 {
        bar.finish_and_clear();
    }
    for (item, location) in &items {
        let version = item.version();
        let file = files
            .entry(location.file.clone())
            .or_insert_with(|| FileReport { file: location.file.clone(), ..FileReport::default() });
        let source_name = location.file.as_str();
        match states.get(&item.id) {
            None => {
                file.added += 1;
                if !options.dry_run {
                    tx.store_version(item, &version, 1, source_name, &now)?;
                }
            }
            Some(state) => match state.classify(&version) {
                Change::Unchanged => {
                    file.unchanged += 1;
                    if let Some(facility) = item.facility {
                        let stored = tx.item(&item.id, Some(&version))?.and_then(|s| s.item.facility);
                        if stored != Some(facility) {
                            report.facility_updated += 1;
                            if !options.dry_run {
                                tx.set_facility(&item.id, &version, facility, None)?;
                            }
                        }
                    }
                }
                Change::NewVersion | Change::Added => {
                    file.new_versions += 1;
                    if !options.dry_run {
                        if state.versions.contains_key(&version) {
                            tx.make_current(item, &version, &now)?;
                        } else {
                            tx.store_version(item, &version, state.next_seq(), source_name, &now)?;
                        }
                    }
                    if state.retired {
                        report.warnings.push(format!(
                            "{location}: {} 已停用；新版本已保存，但仍不会用于组卷（certify bank restore {} 可恢复使用）",
                            item.id, item.id
                        ));
                    }
                }
            },
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !options.dry_run {
        tx.commit()?;
    }
    report.files = files.into_values().collect();
    report.items = items.into_iter().map(|(item, _)| item).collect();
    for file in &report.files {
        report.added += file.added;
        report.new_versions += file.new_versions;
        report.unchanged += file.unchanged;
    }
    Ok(report)
}

fn import_command(context: &Context, args: &BankImportArgs) -> Result<(), Error> {
    let paths = import::expand_paths(&args.paths)?;
    let sources = paths.iter().map(|p| import::load(p)).collect::<Result<Vec<_>, _>>()?;
    let options = ImportOptions { encoding: args.encoding, dry_run: args.dry_run, only_new_ids: false };
    let mut db = match (args.dry_run, context.existing_workspace()?) {
        (_, Some(db)) => db,
        // A dry run must not create anything: check against an empty bank instead.
        (true, None) => Db::in_memory()?,
        (false, None) => context.workspace()?,
    };
    let report = import_sources(&mut db, &sources, options)?;

    const WARNING_CAP: usize = 30;
    for warning in report.warnings.iter().take(WARNING_CAP) {
        note(format!("提醒：{warning}"));
    }
    if report.warnings.len() > WARNING_CAP {
        note(format!("提醒：……另有 {} 条提醒未列出", report.warnings.len() - WARNING_CAP));
    }
    if !report.items.is_empty() {
        // Not blocking: the items are imported; the summary says what to look at.
        note(lint::one_line(&lint::lint(&report.items, &[])));
    }

    let out = context.out;
    out.json(&report)?;
    out.table(&file_table(&report.files))?;
    if args.dry_run {
        out.line("（试运行：只做了检查，没有写入任何内容）")?;
    }
    Ok(())
}

/// Per-file counts, with a total row when there are several files.
fn file_table<'a>(files: impl IntoIterator<Item = &'a FileReport>) -> comfy_table::Table {
    let mut t = table(["文件", "新增", "新版本", "未变", "有误"]);
    let mut total = FileReport { file: "合计".to_owned(), ..FileReport::default() };
    let mut count = 0;
    for file in files {
        t.add_row(counts_row(file));
        total.added += file.added;
        total.new_versions += file.new_versions;
        total.unchanged += file.unchanged;
        total.rejected += file.rejected;
        count += 1;
    }
    if count > 1 {
        t.add_row(counts_row(&total));
    }
    align_right(&mut t, &[1, 2, 3, 4]);
    t
}

fn counts_row(file: &FileReport) -> [String; 5] {
    [
        file.file.clone(),
        file.added.to_string(),
        file.new_versions.to_string(),
        file.unchanged.to_string(),
        file.rejected.to_string(),
    ]
}

fn filter_status(status: &str) -> Option<bool> {
    match status {
        "active" => Some(false),
        "retired" => Some(true),
        _ => None,
    }
}

fn status_label(status: &str) -> &'static str {
    if status == "retired" { "已停用" } else { "在用" }
}

fn list(context: &Context, args: &BankListArgs) -> Result<(), Error> {
    let db = context.existing()?;
    let filter = ItemFilter {
        domain: args.domain,
        kind: args.kind,
        level: args.level,
        difficulty: args.difficulty,
        retired: filter_status(&args.status),
        flagged: args.flagged,
    };
    let items = db.list_items(&filter)?;
    let out = context.out;
    if out.json {
        let list: Vec<_> = items
            .iter()
            .map(|s| {
                json!({
                    "id": s.item.id,
                    "version": s.version,
                    "domain": s.item.domain.code(),
                    "kind": s.item.kind.code(),
                    "levels": s.item.levels.iter().map(|l| l.code()).collect::<Vec<_>>(),
                    "difficulty": s.item.difficulty.code(),
                    "status": s.status,
                    "stem": s.item.stem,
                    "tags": s.item.tags,
                    "facility": s.item.facility,
                    "facility_n": s.facility_n,
                    "flags": s.flags,
                })
            })
            .collect();
        return out.json(&json!({ "items": list }));
    }
    let mut t = table(["编号", "领域", "题型", "难度", "状态", "题干"]);
    for s in &items {
        t.add_row([
            s.item.id.clone(),
            s.item.domain.label().to_owned(),
            s.item.kind.label().to_owned(),
            s.item.difficulty.label().to_owned(),
            status_label(s.status).to_owned(),
            truncate(&s.item.stem, 50),
        ]);
    }
    out.table(&t)?;
    out.line(format!("共 {} 题", items.len()))
}

fn show(context: &Context, args: &BankShowArgs) -> Result<(), Error> {
    let db = context.existing()?;
    let Some(stored) = db.item(&args.id, args.version.as_deref())? else {
        return Err(match (&args.version, db.item(&args.id, None)?) {
            (Some(version), Some(_)) => Error::user(format!(
                "{} 没有版本「{version}」；用 certify bank show {} 查看它的版本历史",
                args.id, args.id
            )),
            _ => Error::user(format!("题库里没有编号为「{}」的试题；用 certify bank list 查看全部编号", args.id)),
        });
    };
    let versions = db.item_versions(&args.id)?;
    let out = context.out;
    let item = &stored.item;
    out.json(&json!({
        "id": item.id,
        "version": stored.version,
        "seq": stored.seq,
        "current": stored.current,
        "domain": item.domain.code(),
        "kind": item.kind.code(),
        "levels": item.levels.iter().map(|l| l.code()).collect::<Vec<_>>(),
        "difficulty": item.difficulty.code(),
        "stem": item.stem,
        "options": item.options,
        "answer": item.answer,
        "explanation": item.explanation,
        "tags": item.tags,
        "source": item.source,
        "enemies": item.enemies,
        "facility": item.facility,
        "facility_n": stored.facility_n,
        "status": stored.status,
        "status_reason": stored.status_reason,
        "flags": stored.flags,
        "versions": versions,
    }))?;
    if out.json {
        return Ok(());
    }
    out.line(format!(
        "{}（第 {} 版，版本号 {}，{}{}）",
        item.id,
        stored.seq,
        stored.version,
        status_label(stored.status),
        if stored.current { "" } else { "，非当前版本" }
    ))?;
    out.line(format!(
        "领域：{}    题型：{}    难度：{}",
        item.domain.label(),
        item.kind.label(),
        item.difficulty.label()
    ))?;
    out.line(format!("等级：{}", Level::labels(&item.levels)))?;
    out.line(format!("题干：{}", item.stem))?;
    for (letter, option) in crate::answer::OPTION_LETTERS.iter().zip(&item.options) {
        out.line(format!("  {letter}. {option}"))?;
    }
    out.line(format!("答案：{}", item.answer))?;
    if !item.explanation.is_empty() {
        out.line(format!("解析：{}", item.explanation))?;
    }
    if !item.tags.is_empty() {
        out.line(format!("标签：{}", item.tags.join("、")))?;
    }
    if !item.source.is_empty() {
        out.line(format!("出处：{}", item.source))?;
    }
    if !item.enemies.is_empty() {
        out.line(format!("互斥：{}", item.enemies.join("、")))?;
    }
    if let Some(facility) = item.facility {
        let n = stored.facility_n.map(|n| format!("，依据 {n} 份答卷")).unwrap_or_default();
        out.line(format!("难度系数：{facility:.2}{n}"))?;
    }
    if let Some(reason) = &stored.status_reason {
        out.line(format!("停用原因：{reason}"))?;
    }
    out.line("版本历史：")?;
    let mut t = table(["版本", "版本号", "导入时间", "来源文件", ""]);
    for v in &versions {
        t.add_row([
            format!("第 {} 版", v.seq),
            v.version.clone(),
            v.created_at.chars().take(16).collect::<String>().replace('T', " "),
            v.imported_from.clone(),
            if v.current { "当前".to_owned() } else { String::new() },
        ]);
    }
    out.table(&t)
}

fn stats(context: &Context) -> Result<(), Error> {
    let db = context.existing()?;
    let stats = db.stats()?;
    let out = context.out;
    out.json(&stats)?;
    if out.json {
        return Ok(());
    }
    let percent = |n: u64| if stats.total == 0 { 0.0 } else { n as f64 * 100.0 / stats.total as f64 };

    out.line(format!(
        "在用试题 {} 题{}",
        stats.total,
        if stats.retired > 0 { format!("（另有停用 {} 题）", stats.retired) } else { String::new() }
    ))?;
    out.line("")?;
    let mut t = table(
        std::iter::once("领域".to_owned())
            .chain(Kind::ALL.iter().map(|k| k.label().to_owned()))
            .chain(Difficulty::ALL.iter().map(|d| d.label().to_owned()))
            .chain(["合计".to_owned(), "占比".to_owned()]),
    );
    for domain in Domain::ALL {
        let code = domain.code();
        let mut row = vec![domain.label().to_owned()];
        row.extend(Kind::ALL.iter().map(|k| stats.domain_kind[code][k.code()].to_string()));
        row.extend(Difficulty::ALL.iter().map(|d| stats.domain_difficulty[code][d.code()].to_string()));
        row.push(stats.by_domain[code].to_string());
        row.push(format!("{:.1}%", percent(stats.by_domain[code])));
        t.add_row(row);
    }
    let mut total = vec!["合计".to_owned()];
    total.extend(Kind::ALL.iter().map(|k| stats.by_kind[k.code()].to_string()));
    total.extend(Difficulty::ALL.iter().map(|d| stats.by_difficulty[d.code()].to_string()));
    total.push(stats.total.to_string());
    total.push("100.0%".to_owned());
    t.add_row(total);
    let mut shares = vec!["占比".to_owned()];
    shares.extend(Kind::ALL.iter().map(|k| format!("{:.1}%", percent(stats.by_kind[k.code()]))));
    shares.extend(Difficulty::ALL.iter().map(|d| format!("{:.1}%", percent(stats.by_difficulty[d.code()]))));
    t.add_row(shares);
    align_right(&mut t, &(1..=8).collect::<Vec<_>>());
    out.table(&t)?;

    out.line("")?;
    let mut t = table(["等级", "所属", "适用题数"]);
    for level in Level::ALL {
        t.add_row([
            level.label().to_owned(),
            level.scheme().label().to_owned(),
            stats.by_level[level.code()].to_string(),
        ]);
    }
    align_right(&mut t, &[2]);
    out.table(&t)
}

/// An item in the exported TOML, fields in the documented order.
#[derive(Serialize)]
struct TomlItem<'a> {
    id: &'a str,
    domain: &'static str,
    kind: &'static str,
    levels: Vec<&'static str>,
    difficulty: &'static str,
    stem: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    options: &'a [String],
    answer: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    explanation: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    source: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    enemies: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    facility: Option<f64>,
}

fn toml_bytes(items: &[StoredItem]) -> Result<Vec<u8>, Error> {
    #[derive(Serialize)]
    struct Document<'a> {
        item: Vec<TomlItem<'a>>,
    }
    let document = Document {
        item: items
            .iter()
            .map(|s| {
                let item: &Item = &s.item;
                TomlItem {
                    id: &item.id,
                    domain: item.domain.code(),
                    kind: item.kind.code(),
                    levels: item.levels.iter().map(|l| l.code()).collect(),
                    difficulty: item.difficulty.code(),
                    stem: &item.stem,
                    options: &item.options,
                    answer: &item.answer,
                    explanation: &item.explanation,
                    tags: &item.tags,
                    source: &item.source,
                    enemies: &item.enemies,
                    facility: item.facility,
                }
            })
            .collect(),
    };
    let text = toml::to_string(&document).map_err(|e| Error::user(format!("无法生成 TOML：{e}")))?;
    Ok(text.into_bytes())
}

/// The bank as one sheet with Chinese headers, as `bank import` reads it back.
fn item_sheet(items: &[StoredItem]) -> Sheet {
    let keys = [
        "id",
        "domain",
        "kind",
        "levels",
        "difficulty",
        "stem",
        "option_a",
        "option_b",
        "option_c",
        "option_d",
        "option_e",
        "option_f",
        "answer",
        "explanation",
        "tags",
        "source",
        "enemies",
        "facility",
    ];
    let headers = keys.iter().map(|k| ITEM_SCHEMA.label_of(k).to_owned()).collect();
    let rows = items
        .iter()
        .map(|s| {
            let item = &s.item;
            let mut row: Vec<Value> = vec![
                item.id.as_str().into(),
                item.domain.label().into(),
                item.kind.label().into(),
                Level::labels(&item.levels).into(),
                item.difficulty.label().into(),
                item.stem.as_str().into(),
            ];
            row.extend((0..6).map(|i| item.options.get(i).map(|o| o.as_str().into()).unwrap_or(Value::Empty)));
            row.extend([
                item.answer.as_str().into(),
                item.explanation.as_str().into(),
                item.tags.join("、").into(),
                item.source.as_str().into(),
                item.enemies.join("、").into(),
                item.facility.map(Value::Number).unwrap_or(Value::Empty),
            ]);
            row
        })
        .collect();
    Sheet { name: "题库".into(), headers, rows }
}

fn export(context: &Context, args: &BankExportArgs) -> Result<(), Error> {
    let extension = args.out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("toml" | "csv" | "xlsx")) {
        return Err(Error::user(format!("{}: 请用 .toml、.csv 或 .xlsx 作为输出文件的扩展名", args.out.display())));
    }
    if args.out.exists() && !args.force {
        return Err(Error::user(format!("{} 已存在；换一个文件名，或加 --force 覆盖", args.out.display())));
    }
    let db = context.existing()?;
    let items = db.list_items(&ItemFilter { retired: filter_status(&args.status), ..ItemFilter::default() })?;
    let bytes = match TableFormat::of(&args.out) {
        Some(TableFormat::Csv) => spreadsheet::csv_bytes(&item_sheet(&items))?,
        Some(TableFormat::Xlsx) => spreadsheet::xlsx_bytes(&[item_sheet(&items)])?,
        None => toml_bytes(&items)?,
    };
    spreadsheet::write_file_atomically(&args.out, &bytes)?;
    let out = context.out;
    out.json(&json!({ "out": args.out.display().to_string(), "items": items.len() }))?;
    out.line(format!("已导出 {} 题到 {}", items.len(), args.out.display()))
}

fn set_retired(context: &Context, ids: &[String], retired: bool, reason: Option<&str>) -> Result<(), Error> {
    let mut db = context.workspace()?;
    let states = db.item_states()?;
    let unknown: Vec<&str> = ids.iter().filter(|id| !states.contains_key(id.as_str())).map(String::as_str).collect();
    if !unknown.is_empty() {
        return Err(Error::user(format!("题库里没有这些编号：{}；没有做任何改动", unknown.join("、"))));
    }
    let now = clock::now_text();
    let tx = db.transaction()?;
    let mut changed = Vec::new();
    let mut already = Vec::new();
    for id in ids {
        if states[id].retired == retired {
            already.push(id.clone());
        } else {
            tx.set_retired(id, retired, reason, &now)?;
            changed.push(id.clone());
        }
    }
    tx.commit()?;
    let out = context.out;
    let (done, was) = if retired { ("retired", "已停用") } else { ("restored", "已恢复使用") };
    out.json(&json!({ done: changed, "unchanged": already }))?;
    if !changed.is_empty() {
        out.line(format!("{was}：{}", changed.join("、")))?;
    }
    if !already.is_empty() {
        out.line(format!("原本就{}：{}", if retired { "是停用状态" } else { "在用" }, already.join("、")))?;
    }
    Ok(())
}

/// The items of bank files, read and checked as `bank import --dry-run` reads them,
/// against an empty bank (nothing is opened or created).
fn items_of_files(args: &BankLintArgs) -> Result<Vec<Item>, Error> {
    let paths = import::expand_paths(&args.paths)?;
    let sources = paths.iter().map(|p| import::load(p)).collect::<Result<Vec<_>, _>>()?;
    let mut problems = Problems::default();
    let records = import::read_all(&sources, &ITEM_SCHEMA, ReadOptions { encoding: args.encoding }, &mut problems)?;
    let mut items = Vec::with_capacity(records.len());
    for record in &records {
        if let Some(item) = bank::item_from_record(record, &mut problems) {
            items.push((item, record.location.clone()));
        }
    }
    let (ids, stems) = (HashSet::new(), HashMap::new());
    bank::check_batch(&records, &items, &BankView { ids: &ids, stems: &stems }, &mut problems);
    if problems.has_errors() {
        return Err(Error::Invalid(problems.into_errors()));
    }
    Ok(items.into_iter().map(|(item, _)| item).collect())
}

fn lint_command(context: &Context, args: &BankLintArgs) -> Result<(), Error> {
    if !(0.0..=1.0).contains(&args.max_longest_key_rate) {
        return Err(Error::user("--max-longest-key-rate 应是 0 到 1 之间的小数，例如 0.30"));
    }
    let items = if args.paths.is_empty() {
        let db = context.existing()?;
        let active = db.list_items(&ItemFilter { retired: Some(false), ..ItemFilter::default() })?;
        active.into_iter().map(|s| s.item).collect()
    } else {
        items_of_files(args)?
    };
    let reviews = match &args.reviewed {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| io_error(path, "无法读取复核记录", &e))?;
            lint::parse_reviews(&path.display().to_string(), &text).map_err(|p| Error::Invalid(p.into_errors()))?
        }
        None => Vec::new(),
    };
    let report = lint::lint(&items, &reviews);
    let summary = &report.summary;
    let out = context.out;
    out.json(&report)?;

    if report.items.iter().any(|i| !i.flags.is_empty()) {
        let mut t = table(["编号", "题型", "提示"]);
        for flagged in report.items.iter().filter(|i| !i.flags.is_empty()) {
            let kind = Kind::parse(flagged.kind).map(|k| k.label()).unwrap_or(flagged.kind);
            let flags: Vec<String> =
                flagged.flags.iter().map(|f| format!("{}（{}）：{}", lint::label(f.code), f.code, f.reason)).collect();
            t.add_row([flagged.id.clone(), kind.to_owned(), flags.join("\n")]);
        }
        crate::output::wrap_columns(&mut t, &[2]);
        out.table(&t)?;
        out.line("")?;
    }
    out.line(format!("检查 {} 题，{} 题有提示", summary.checked, summary.flagged))?;
    if summary.reviewed > 0 {
        out.line(format!(
            "另有 {} 条提示已复核保留（理由见复核记录；--json 的 reviewed 字段逐条列出）",
            summary.reviewed
        ))?;
    }
    if !summary.stale_reviews.is_empty() {
        note(format!(
            "复核记录中有 {} 条已不再对应任何提示（试题已修改或不再触发），可以删去：{}",
            summary.stale_reviews.len(),
            summary.stale_reviews.join("、")
        ));
    }
    if !summary.counts.is_empty() {
        let mut t = table(["提示", "代码", "题数"]);
        for (code, n) in &summary.counts {
            t.add_row([lint::label(code).to_owned(), (*code).to_owned(), n.to_string()]);
        }
        align_right(&mut t, &[2]);
        out.table(&t)?;
    }
    if !summary.cue_words.is_empty() {
        let mut t = table(["全库提示词", "方向", "只在答案中", "只在干扰项中", "答案占比"]);
        for cue in &summary.cue_words {
            let direction = if cue.direction == "cue" { "几乎总在答案里" } else { "几乎不在答案里" };
            t.add_row([
                format!("「{}」", cue.word),
                direction.to_owned(),
                cue.key_only.len().to_string(),
                cue.distractor_only.len().to_string(),
                format!("{:.0}%", cue.share * 100.0),
            ]);
        }
        align_right(&mut t, &[2, 3, 4]);
        out.table(&t)?;
    }
    let mut t = table(["题型", "题数", "答案为唯一最长选项", "比例", "随机应有"]);
    for (kind, figures) in [(Kind::Single, &summary.single), (Kind::Multiple, &summary.multiple)] {
        t.add_row([
            kind.label().to_owned(),
            figures.items.to_string(),
            figures.longest_is_key.to_string(),
            format!("{:.1}%", figures.rate * 100.0),
            format!("{:.1}%", figures.chance * 100.0),
        ]);
    }
    align_right(&mut t, &[1, 2, 3, 4]);
    out.table(&t)?;
    if summary.multiple.items > 0 {
        out.line(format!(
            "多选题：正确选项平均宽 {:.1}，其余选项平均宽 {:.1}{}",
            summary.multiple_key_mean_width,
            summary.multiple_other_mean_width,
            if summary.multiple_key_longer { "；正确选项整体偏长（multi-key-longer）" } else { "" }
        ))?;
    }

    let mut exceeded = Vec::new();
    if summary.single.items > 0 && summary.single.rate > args.max_longest_key_rate {
        exceeded.push(format!(
            "单选题答案为唯一最长选项的比例 {:.1}% 超过 --max-longest-key-rate {:.1}%",
            summary.single.rate * 100.0,
            args.max_longest_key_rate * 100.0
        ));
    }
    if let Some(max) = args.max_flagged
        && summary.flagged > max
    {
        exceeded.push(format!("有提示的试题 {} 题超过 --max-flagged {max}", summary.flagged));
    }
    if exceeded.is_empty() {
        Ok(())
    } else {
        Err(Error::Reported(format!("命题检查未通过：{}", exceeded.join("；"))))
    }
}
