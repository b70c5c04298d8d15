//! `certify score theory` and `certify paper fix-key`: scoring answer sheets against a
//! paper's key, and correcting a key with every affected sheet rescored.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use super::Context;
use super::session::find_session;
use crate::answer;
use crate::blueprint::Scoring;
use crate::cli::{PaperFixKeyArgs, ScoreCommand, ScoreTheoryArgs};
use crate::clock;
use crate::db::{NewSheet, PaperRead, PaperView, SessionRead, Tx};
use crate::error::{Error, PROBLEM_CAP};
use crate::import::{self, Cell, ReadOptions, column_letter, format_number, normalize_header, write_number};
use crate::operations::Part;
use crate::output::{align_right, note, table};
use crate::problem::{Location, Problems};
use crate::scoring::{self, Question, Response};
use crate::vocabulary::{Domain, Kind};

pub fn run(context: &Context, command: &ScoreCommand) -> Result<(), Error> {
    match command {
        ScoreCommand::Theory(args) => theory(context, args),
    }
}

/// What scoring needs of a paper: its questions, their domains and the pass mark.
pub struct Key {
    pub questions: Vec<Question>,
    pub domains: Vec<Domain>,
    pub pass_mark: f64,
}

impl Key {
    pub fn of(paper: &PaperView) -> Key {
        Key {
            questions: paper
                .items
                .iter()
                .map(|i| {
                    let scoring = if i.scoring == "partial" { Scoring::Partial } else { Scoring::AllOrNothing };
                    Question::new(i.item.item.kind, i.option_order.len(), &i.answer, i.points, scoring)
                })
                .collect(),
            domains: paper.items.iter().map(|i| i.item.item.domain).collect(),
            pass_mark: paper.pass_mark,
        }
    }

    /// Points per domain for one sheet's item scores.
    pub fn by_domain(&self, scores: &[f64]) -> BTreeMap<Domain, f64> {
        let mut out = BTreeMap::new();
        for (domain, score) in self.domains.iter().zip(scores) {
            *out.entry(*domain).or_insert(0.0) += score;
        }
        out
    }

    /// Scores one sheet's responses, writing their stored forms (comma-separated answers
    /// and scores) into the two buffers, which are cleared first; returns the scores.
    pub fn score_into(
        &self,
        responses: &[Response],
        responses_text: &mut String,
        scores_text: &mut String,
    ) -> Vec<f64> {
        let scores: Vec<f64> = self.questions.iter().zip(responses).map(|(q, r)| scoring::score(q, r)).collect();
        responses_text.clear();
        scores_text.clear();
        for (q, (response, score)) in responses.iter().zip(&scores).enumerate() {
            if q > 0 {
                responses_text.push(',');
                scores_text.push(',');
            }
            response.write_to(responses_text);
            write_number(scores_text, *score);
        }
        scores
    }

    /// Maximum points per domain.
    pub fn domain_max(&self) -> BTreeMap<Domain, f64> {
        self.by_domain(&self.questions.iter().map(|q| q.points).collect::<Vec<_>>())
    }
}

/// Where a response file keeps what.
struct Layout {
    exam_no: usize,
    paper: Option<usize>,
    answers: Answers,
}

enum Answers {
    /// One cell with all answers, comma-separated.
    Joined(usize),
    /// (column, question number) for columns headed 1, 2, 3 … (or 第1题, Q1).
    Numbered(Vec<(usize, usize)>),
}

fn question_number(header: &str) -> Option<usize> {
    let key = normalize_header(header);
    let digits = key.trim_start_matches('第').trim_end_matches('题').trim_start_matches('q');
    digits.parse::<usize>().ok().filter(|n| *n > 0)
}

fn layout(file: &str, header: &[Cell], problems: &mut Problems) -> Option<Layout> {
    let texts: Vec<String> =
        header.iter().map(|c| if let Cell::Text(t) = c { t.clone() } else { String::new() }).collect();
    let find =
        |names: &[&str]| texts.iter().position(|t| names.iter().any(|n| normalize_header(t) == normalize_header(n)));
    let exam_no = find(&["准考证号", "exam_no", "考号", "准考证"]);
    let paper = find(&["试卷", "paper", "试卷编号", "paper_id"]);
    let joined = find(&["答案", "answers", "作答"]);
    let numbered: Vec<(usize, usize)> =
        texts.iter().enumerate().filter_map(|(i, t)| question_number(t).map(|q| (i, q))).collect();
    let at_header = Location::new(file, 1, None);
    if exam_no.is_none() {
        problems.error(at_header.clone(), "缺少「准考证号」列（也可写 exam_no）");
    }
    let answers = match (joined, numbered.is_empty()) {
        (Some(column), true) => Some(Answers::Joined(column)),
        (None, false) => Some(Answers::Numbered(numbered)),
        (Some(_), false) => {
            problems.error(at_header, "既有「答案」列又有按题号的列；请只用一种写法");
            None
        }
        (None, true) => {
            problems
                .error(at_header, "找不到作答：请每题一列（表头 1、2、3……），或用一列「答案」写出各题答案并用逗号分隔");
            None
        }
    };
    Some(Layout { exam_no: exam_no?, paper, answers: answers? })
}

fn cell_text(cell: Option<&Cell>) -> Option<Cow<'_, str>> {
    cell?.text()
}

/// One scored sheet of the import, for the summary: totals only, so 100,000 sheets
/// stay small in memory.
struct Scored {
    exam_no: String,
    paper: String,
    total: f64,
    by_domain: BTreeMap<Domain, f64>,
}

fn theory(context: &Context, args: &ScoreTheoryArgs) -> Result<(), Error> {
    let source = import::load(&args.file)?;
    let mut db = context.workspace()?;
    let session = find_session(&db, &args.session)?;
    let candidates: HashMap<String, (String, String, Option<String>)> =
        db.candidates(&session.id)?.into_iter().map(|c| (c.exam_no, (c.name, c.school, c.paper_id))).collect();
    if candidates.values().all(|(_, _, paper)| paper.is_none()) {
        return Err(Error::user(format!(
            "批次 {} 的考生还没有分配试卷；请先运行 certify session assign --session {} --papers 试卷编号,…",
            session.id, session.id
        )));
    }
    // Candidates whose theory sheet must not be scored here, and why.
    let refused = super::candidates::unscorable(&db, &session.id, Part::Theory)?;
    let mut keys: HashMap<String, Key> = HashMap::new();
    for paper in db.session_papers(&session.id)? {
        let view = db.paper(&paper)?.ok_or_else(|| Error::user(format!("试卷 {paper} 不存在")))?;
        keys.insert(paper, Key::of(&view));
    }

    let now = clock::now_text();
    let file = source.name.clone();
    let mut problems = Problems::default();
    let mut error_rows = 0usize;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut scored: Vec<Scored> = Vec::new();
    let mut layout_found: Option<Layout> = None;
    let tx = db.transaction()?;
    // Read inside the write transaction (BEGIN IMMEDIATE): a concurrent import of the
    // same session either committed before this point, and its sheets are seen here and
    // need --replace, or waits until this one is done. The check and the insert never
    // interleave, so the losers get the same advice as a sequential rerun.
    let already: HashSet<String> = tx.scored_exam_nos(&session.id)?;
    // Reused for every sheet: the stored forms of its answers and scores.
    let (mut responses_text, mut scores_text) = (String::new(), String::new());
    import::visit_rows(
        &source,
        ReadOptions { encoding: args.encoding },
        &import::has_exam_no_column,
        &mut |row, cells| {
            if row == 1 {
                layout_found = layout(&file, cells, &mut problems);
                return Ok(());
            }
            let Some(layout) = &layout_found else { return Ok(()) };
            if cells.iter().all(Cell::is_empty) {
                return Ok(());
            }
            let errors_before = problems.errors().count();
            let at = |column: usize| Location::new(&file, row, Some(column_letter(column)));
            let exam_no = match cells.get(layout.exam_no) {
                Some(Cell::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
                Some(Cell::Number(_)) => {
                    problems.error(at(layout.exam_no), "准考证号是数字单元格；请把这一列设为「文本」格式后重新输入");
                    None
                }
                _ => {
                    problems.error(at(layout.exam_no), "缺少准考证号");
                    None
                }
            };
            let mut paper_id: Option<String> = None;
            if let Some(exam_no) = &exam_no
                && let Some(why) = refused.get(exam_no)
            {
                problems.error(at(layout.exam_no), why.refusal(exam_no));
            } else if let Some(exam_no) = &exam_no {
                match candidates.get(exam_no) {
                    None => problems
                        .error(at(layout.exam_no), format!("准考证号 {exam_no} 不在批次 {} 的考生名单中", session.id)),
                    Some((_, _, None)) => problems.error(at(layout.exam_no), format!("考生 {exam_no} 还没有分配试卷")),
                    Some((_, _, Some(assigned))) => {
                        let given = layout.paper.and_then(|c| cell_text(cells.get(c))).filter(|p| !p.is_empty());
                        match given {
                            Some(given) if given.as_ref() != assigned.as_str() => problems.error(
                                at(layout.paper.unwrap_or(0)),
                                format!("试卷 {given} 不是分配给考生 {exam_no} 的试卷（应为 {assigned}）"),
                            ),
                            _ => paper_id = Some(assigned.clone()),
                        }
                    }
                }
                if let Some(first) = seen.insert(exam_no.clone(), row) {
                    problems.error(at(layout.exam_no), format!("准考证号 {exam_no} 在第 {first} 行已经出现过"));
                }
                if already.contains(exam_no) && !args.replace {
                    problems.error(
                        at(layout.exam_no),
                        format!(
                            "考生 {exam_no} 已经评过分；如要用这份答卷替换，请加 --replace（旧答卷会保留在历史中）"
                        ),
                    );
                }
            }
            let Some(key) = paper_id.as_ref().and_then(|p| keys.get(p)) else {
                error_rows += 1;
                return Ok(());
            };
            let n = key.questions.len();
            let mut responses = vec![Response::Omitted; n];
            let mut answer = |q: usize, text: &str, column: usize, problems: &mut Problems| match scoring::parse(
                text,
                &key.questions[q],
            ) {
                Ok(response) => responses[q] = response,
                Err(e) => problems.error(at(column), format!("第 {} 题：{e}", q + 1)),
            };
            match &layout.answers {
                Answers::Joined(column) => {
                    let cell = cell_text(cells.get(*column)).unwrap_or_default();
                    let mut used = 0;
                    for (q, text) in scoring::split_answers(&cell).enumerate() {
                        if text.is_empty() {
                            continue;
                        }
                        used = q + 1;
                        if q < n {
                            answer(q, text, *column, &mut problems);
                        }
                    }
                    if used > n {
                        problems.error(at(*column), format!("答案有 {used} 个，试卷只有 {n} 题"));
                    }
                }
                Answers::Numbered(columns) => {
                    for &(column, number) in columns {
                        let text = cell_text(cells.get(column)).unwrap_or_default();
                        if number > n {
                            if !text.is_empty() {
                                problems.error(at(column), format!("第 {number} 题：试卷只有 {n} 题"));
                            }
                            continue;
                        }
                        answer(number - 1, &text, column, &mut problems);
                    }
                }
            }
            if problems.errors().count() > errors_before {
                error_rows += 1;
                return Ok(());
            }
            if problems.has_errors() {
                // Keep checking the rest of the file, but nothing more is stored.
                return Ok(());
            }
            let scores = key.score_into(&responses, &mut responses_text, &mut scores_text);
            let total: f64 = scores.iter().sum();
            let exam_no = exam_no.expect("checked above");
            let paper = paper_id.expect("checked above");
            let replacing = already.contains(&exam_no);
            tx.insert_sheet(
                &NewSheet {
                    session_id: &session.id,
                    exam_no: &exam_no,
                    paper_id: &paper,
                    responses: &responses_text,
                    scores: &scores_text,
                    total,
                    imported_from: &file,
                    source_row: row,
                    scored_at: &now,
                },
                replacing,
            )?;
            let by_domain = key.by_domain(&scores);
            scored.push(Scored { exam_no, paper, total, by_domain });
            Ok(())
        },
    )?;
    if layout_found.is_none() && !problems.has_errors() {
        problems.error(Location::file(&file), "文件是空的");
    }
    if problems.has_errors() {
        note(format!("{file}: {error_rows} 行有误，未保存任何答卷。"));
        return Err(Error::Invalid(problems.into_errors()));
    }
    if scored.is_empty() {
        return Err(Error::user(format!("{file}: 没有答卷数据")));
    }
    tx.commit()?;
    print_theory(context, &session.id, &candidates, &keys, &scored, args.replace)
}

fn print_theory(
    context: &Context,
    session: &str,
    candidates: &HashMap<String, (String, String, Option<String>)>,
    keys: &HashMap<String, Key>,
    scored: &[Scored],
    replaced: bool,
) -> Result<(), Error> {
    let out = context.out;
    let passed = |s: &Scored| s.total + 1e-9 >= keys[&s.paper].pass_mark;
    let n = scored.len() as f64;
    let mean = scored.iter().map(|s| s.total).sum::<f64>() / n;
    let pass_count = scored.iter().filter(|s| passed(s)).count();
    if out.json {
        // Streamed one candidate at a time: 100,000 rows must not become one big value.
        let head = json!({ "session": session, "sheets": scored.len(), "mean": mean, "passed": pass_count });
        return out.json_with_list(
            &head,
            "candidates",
            scored.iter().map(|s| {
                let (name, school, _) = &candidates[&s.exam_no];
                let domains: BTreeMap<&str, f64> = s.by_domain.iter().map(|(d, v)| (d.code(), *v)).collect();
                json!({
                    "exam_no": s.exam_no,
                    "name": name,
                    "school": school,
                    "paper": s.paper,
                    "theory": s.total,
                    "practical": null,
                    "passed": passed(s),
                    "reason": if passed(s) { serde_json::Value::Null } else { json!("理论不合格") },
                    "domains": domains,
                })
            }),
        );
    }
    out.line(format!(
        "已评分 {} 份答卷{}：平均分 {:.1}，最高 {}，最低 {}，理论合格 {} 人（{:.1}%）。",
        scored.len(),
        if replaced { "（已替换的旧答卷保留在历史中）" } else { "" },
        mean,
        format_number(scored.iter().map(|s| s.total).fold(f64::MIN, f64::max)),
        format_number(scored.iter().map(|s| s.total).fold(f64::MAX, f64::min)),
        pass_count,
        pass_count as f64 * 100.0 / n
    ))?;
    // Mean percent per domain, over every sheet of this import.
    let mut earned: BTreeMap<Domain, f64> = BTreeMap::new();
    let mut possible: BTreeMap<Domain, f64> = BTreeMap::new();
    let maxima: HashMap<&String, BTreeMap<Domain, f64>> = keys.iter().map(|(p, k)| (p, k.domain_max())).collect();
    for s in scored {
        for (d, v) in &s.by_domain {
            *earned.entry(*d).or_default() += v;
        }
        for (d, v) in &maxima[&s.paper] {
            *possible.entry(*d).or_default() += v;
        }
    }
    let shares: Vec<String> = possible
        .iter()
        .filter(|(_, max)| **max > 0.0)
        .map(|(d, max)| format!("{} {:.0}%", d.label(), earned.get(d).copied().unwrap_or(0.0) * 100.0 / max))
        .collect();
    // Four domains a line keeps the summary inside 120 columns.
    for (i, chunk) in shares.chunks(4).enumerate() {
        out.line(format!("{}{}", if i == 0 { "各领域得分率：" } else { "              " }, chunk.join(" · ")))?;
    }
    const TABLE_LIMIT: usize = 500;
    if scored.len() > TABLE_LIMIT {
        return out.line(format!("（共 {} 人，逐人成绩请用 --json 或 certify session show {session}）", scored.len()));
    }
    let domains: Vec<Domain> = possible.iter().filter(|(_, m)| **m > 0.0).map(|(d, _)| *d).collect();
    // Short domain labels and no school column keep the table inside 120 columns; the
    // school is in `results` and `session show`, full domain names in the line above.
    let mut header = vec!["准考证号".to_owned(), "姓名".to_owned(), "试卷".to_owned(), "理论".to_owned()];
    header.extend(domains.iter().map(|d| d.short_label().to_owned()));
    header.push("结果".to_owned());
    let mut t = table(header);
    for s in scored {
        let (name, _, _) = &candidates[&s.exam_no];
        let mut row = vec![
            s.exam_no.clone(),
            name.clone(),
            s.paper.rsplit('-').next().unwrap_or("").to_owned() + " 卷",
            format_number(s.total),
        ];
        row.extend(domains.iter().map(|d| format_number(s.by_domain.get(d).copied().unwrap_or(0.0))));
        row.push(if passed(s) { "合格".into() } else { "不合格".into() });
        t.add_row(row);
    }
    align_right(&mut t, &(3..4 + domains.len()).collect::<Vec<_>>());
    out.table(&t)
}

/// Stores a sheet's item scores worked out again (a corrected key, a theory appeal
/// corrected) with their total, the one way a stored sheet's scores change; returns the
/// total.
pub fn store_rescored(tx: &Tx<'_>, sheet: i64, scores: &[f64]) -> Result<f64, Error> {
    let total: f64 = scores.iter().sum();
    tx.rescore_sheet(sheet, &scores.iter().map(|s| format_number(*s)).collect::<Vec<_>>().join(","), total)?;
    Ok(total)
}

/// `certify paper fix-key`: a new key for one question; every sheet in force on the
/// paper is rescored in the same transaction.
pub fn fix_key(context: &Context, args: &PaperFixKeyArgs) -> Result<(), Error> {
    let mut db = context.workspace()?;
    let paper = db
        .paper(&args.id)?
        .ok_or_else(|| Error::user(format!("没有编号为「{}」的试卷；用 certify paper list 查看全部试卷", args.id)))?;
    let n = paper.items.len();
    if args.question == 0 || args.question > n {
        return Err(Error::user(format!("试卷 {} 只有第 1 到第 {n} 题，没有第 {} 题", paper.id, args.question)));
    }
    if args.reason.trim().is_empty() {
        return Err(Error::user("请用 --reason 写明更正答案的原因"));
    }
    let key = Key::of(&paper);
    let position = args.question - 1;
    let old_question = &key.questions[position];
    let new_answer = match old_question.kind {
        Kind::Judge => answer::parse_judge(&args.answer).map(|v| answer::judge_label(v).to_owned()),
        Kind::Single | Kind::Multiple => {
            answer::parse_choices(&args.answer, old_question.options).map(|c| answer::letters(&c))
        }
    }
    .map_err(|e| Error::user(format!("第 {} 题的新答案不对：{e}", args.question)))?;
    let letters = new_answer.chars().count();
    if old_question.kind == Kind::Single && letters != 1 {
        return Err(Error::user(format!("第 {} 题是单选题，答案只能有一个字母", args.question)));
    }
    if old_question.kind == Kind::Multiple && letters < 2 {
        return Err(Error::user(format!("第 {} 题是多选题，答案至少要有两个字母", args.question)));
    }
    if new_answer == old_question.key {
        return Err(Error::user(format!("第 {} 题的答案已经是 {new_answer}，无需更正", args.question)));
    }
    let new_question = old_question.with_key(&new_answer);

    let sheets = db.sheets_of_paper(&paper.id)?;
    let mut names: HashMap<(String, String), String> = HashMap::new();
    for session in sheets.iter().map(|(s, _)| s.clone()).collect::<HashSet<_>>() {
        for c in db.candidates(&session)? {
            names.insert((session.clone(), c.exam_no), c.name);
        }
    }
    let now = clock::now_text();
    let tx = db.transaction()?;
    tx.change_key(&paper.id, args.question, &old_question.key, &new_answer, args.reason.trim(), &now)?;
    let mut changed = Vec::new();
    for (session, sheet) in &sheets {
        let text = sheet.responses.get(position).map(String::as_str).unwrap_or("");
        let new_score = scoring::rescore_item(&new_question, text);
        let old_score = sheet.scores.get(position).copied().unwrap_or(0.0);
        if (new_score - old_score).abs() < 1e-9 {
            continue;
        }
        let mut scores = sheet.scores.clone();
        scores[position] = new_score;
        let total = store_rescored(&tx, sheet.id, &scores)?;
        changed.push((session.clone(), sheet.exam_no.clone(), sheet.total, total));
    }
    tx.commit()?;

    let out = context.out;
    out.json(&json!({
        "paper": paper.id,
        "question": args.question,
        "old_answer": old_question.key,
        "new_answer": new_answer,
        "reason": args.reason.trim(),
        "sheets": sheets.len(),
        "changed": changed.iter().map(|(s, e, old, new)| json!({
            "session": s, "exam_no": e, "old_total": old, "new_total": new,
        })).collect::<Vec<_>>(),
    }))?;
    out.line(format!(
        "试卷 {} 第 {} 题答案已由 {} 更正为 {}（原因：{}）。重新计算了 {} 份答卷，{} 人总分有变化。",
        paper.id,
        args.question,
        old_question.key,
        new_answer,
        args.reason.trim(),
        sheets.len(),
        changed.len()
    ))?;
    if changed.is_empty() {
        return Ok(());
    }
    let mut t = table(["批次", "准考证号", "姓名", "原总分", "新总分"]);
    for (session, exam_no, old, new) in changed.iter().take(PROBLEM_CAP * 10) {
        t.add_row([
            session.clone(),
            exam_no.clone(),
            names.get(&(session.clone(), exam_no.clone())).cloned().unwrap_or_default(),
            format_number(*old),
            format_number(*new),
        ]);
    }
    align_right(&mut t, &[3, 4]);
    out.table(&t)
}
