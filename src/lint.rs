//! `bank lint`: item-writing checks that catch items a test-wise candidate can answer
//! without the knowledge, and items whose parts contradict each other.
//!
//! Each check flags an item with a code and a Chinese reason. What each code means:
//! - `longest-key`: a single-choice item whose key is the one longest option (display
//!   width, `unicode-width`; ties are not flagged). `key-much-longer`: in addition, the
//!   key is at least [`KEY_MUCH_LONGER`] × the next longest option.
//! - `multi-key-longer`: a multiple-choice item whose key options are on average at
//!   least [`MULTI_KEY_LONGER`] × as wide as its other options.
//! - `echo`: a stem word (a bigram of CJK characters, other than the function and
//!   question words of [`FUNCTION_WORDS`], or a whole number such as 18 or 37.5) appears in
//!   a key option and in no other option.
//! - `all-of-the-above`: an option is 以上都是 / 以上都对 / 以上均是 / 以上都不对 /
//!   以上都不是 / 以上均不是 / 以上均正确 / all of the above / none of the above; or a
//!   multiple-choice item whose every option is a key (choosing all scores, the same cue).
//! - `negative-unmarked`: a choice-item stem asks a negative question (不正确, 不恰当,
//!   错误的, 不妥, 不应, 不宜, 不属于, 不包括, 不需要, 不可以) and the negation is not
//!   emphasised. The marking rule: an occurrence is marked when it lies inside a `**…**`
//!   span (`**不正确**` or `**不**正确`) or inside 「」 (`「不正确」`). Judge stems are
//!   statements, not questions, and are not checked.
//! - `explanation-quotes-distractor`: the explanation resembles a non-key option more
//!   than every key option: the longest common substring with that option is at least
//!   [`MIN_COMMON`] characters and longer than with any key option, while the share of its
//!   character bigrams found in the explanation is no smaller than any key option's (an
//!   explanation that refutes a distractor quotes a few of its words), or (for short
//!   options) at least half the option's character bigrams occur in the explanation, more
//!   than for any key option, while no key option shares [`MIN_COMMON`] characters; or
//!   a quarter of a distractor's bigrams occur in the explanation and next to none of the
//!   key's (under a tenth). This is what a key letter left behind after the options were
//!   reordered looks like.
//!   Spaces and punctuation are ignored.
//! - `source-standard-only`: `source` is empty; or it is only
//!   《保育师国家职业技能标准（2021年版）》 while the stem contains a quantity (digits or
//!   一…十/两/半 followed by a unit such as 分钟, ℃, 月, 岁, %, 次, 厘米): the standard
//!   names competences, not figures, so a figure needs the guideline it comes from.
//! - `difficulty-vs-facility`: the stated difficulty contradicts a calibrated facility:
//!   易 with facility < [`EASY_MIN_FACILITY`], or 难 with facility > [`HARD_MAX_FACILITY`].
//!   Items without a facility are not checked.
//! - `near-duplicate`: two stems whose character 3-gram sets (letters and digits only)
//!   have Jaccard similarity ≥ [`NEAR_DUPLICATE`] and that are not enemies of each other.
//!   Each pair is flagged once, on the item that comes later in the input.
//! - `cue-word`: across the bank's single-choice items, a word (CJK bigram) that stands
//!   only in the key in at least [`CUE_SHARE`] of the ≥ [`CUE_MIN_ITEMS`] items where it is on
//!   one side only (a test-wise candidate picks "the option that reports"), or in at most
//!   [`ANTI_SHARE`] of ≥ [`ANTI_MIN_ITEMS`] (they avoid "the option that says 不必"). Each
//!   item where the word is on the telling side is flagged; the summary lists the words.
//!
//! A flag is not always a fault: a stem word may be the very thing tested. A reviewer who
//! keeps a flag on purpose records it in a reviews file (`[[review]]` with `id`, `code`,
//! `reason`, [`parse_reviews`]); [`lint`] then sets that flag apart as reviewed, and names
//! every review that no longer matches a flag (the item changed, so it needs a new look).
//!
//! Guarantees: the checks are deterministic, look only at the items given (no I/O), and
//! a flag always names what triggered it. The summary gives the counts per code, and per
//! choice kind the share of items whose single longest option is a key option against
//! the share expected by chance (number of key options / number of options, averaged).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::bank::Item;
use crate::problem::{Location, Problems, from_toml, table_lines};
use crate::vocabulary::{Difficulty, Kind};

/// `key-much-longer`: key width ≥ this × the next longest option.
pub const KEY_MUCH_LONGER: f64 = 1.3;
/// `multi-key-longer`: mean key-option width ≥ this × mean other-option width.
pub const MULTI_KEY_LONGER: f64 = 1.2;
/// `explanation-quotes-distractor`: shortest common substring that counts.
pub const MIN_COMMON: usize = 4;
/// `difficulty-vs-facility`: an easy item should be answered right by at least this share.
pub const EASY_MIN_FACILITY: f64 = 0.5;
/// `difficulty-vs-facility`: a hard item should be answered right by at most this share.
pub const HARD_MAX_FACILITY: f64 = 0.85;
/// `near-duplicate`: Jaccard similarity of stem 3-grams.
pub const NEAR_DUPLICATE: f64 = 0.6;
/// `near-duplicate`: a trigram in more stems than this is common wording and proposes no
/// candidate pair.
pub const COMMON_TRIGRAM: usize = 64;
/// `near-duplicate`: the most similar earlier stems reported for one item.
pub const NEAR_DUPLICATES_PER_ITEM: usize = 3;

/// `cue-word`: a word counts when it stands on one side only (key or distractors) in at
/// least this many single-choice items…
pub const CUE_MIN_ITEMS: usize = 10;
/// …and is key-only in at least this share of them (three times the chance of a
/// four-option item).
pub const CUE_SHARE: f64 = 0.75;
/// An anti-cue needs more items, since "never in the key" is weaker evidence per item…
pub const ANTI_MIN_ITEMS: usize = 20;
/// …and a key-only share at most this.
pub const ANTI_SHARE: f64 = 0.05;

/// The standard that names competences but no figures.
pub const STANDARD: &str = "《保育师国家职业技能标准（2021年版）》";

/// Stem bigrams that are question wording or function words, never an echo.
pub const FUNCTION_WORDS: &[&str] = &[
    "下列", "以下", "哪些", "哪个", "哪项", "哪种", "什么", "正确", "错误", "说法", "做法", "描述", "表述", "不正",
    "属于", "包括", "应该", "应当", "可以", "不能", "不是", "是否", "选项", "其中", "关于", "对于", "进行", "一个",
    "一种", "这个", "这种", "如何", "为了", "因为", "所以", "如果", "时候", "的是", "是指", "主要", "以上", "恰当",
    "合适", "适宜", "需要", "应是", "一般", "通常", "保育", "育师", "测试", "试题", "题目", "确的", "误的", "当的",
];

/// Options that let a candidate answer by elimination.
const ALL_OF_THE_ABOVE: &[&str] = &[
    "以上都是",
    "以上都对",
    "以上均是",
    "以上均对",
    "以上均正确",
    "以上都正确",
    "以上都不对",
    "以上都不是",
    "以上均不是",
    "以上均不对",
    "all of the above",
    "none of the above",
];

/// Negative question words that must be emphasised.
const NEGATIONS: &[&str] =
    &["不正确", "不恰当", "错误的", "不妥", "不应", "不宜", "不属于", "不包括", "不需要", "不可以"];

/// Units that make a number in a stem a figure.
const UNITS: &[&str] = &[
    "分钟", "小时", "℃", "°C", "度", "月", "周", "天", "岁", "%", "％", "次", "厘米", "毫米", "米", "cm", "毫升", "ml",
    "mL", "克", "千克", "g", "kg", "秒",
];

/// Every code, with its Chinese name, in the order of the module header.
pub const CODES: &[(&str, &str)] = &[
    ("longest-key", "答案是唯一最长的选项"),
    ("key-much-longer", "答案明显长于其他选项"),
    ("multi-key-longer", "多选题正确选项偏长"),
    ("echo", "题干字眼只在答案中重现"),
    ("all-of-the-above", "以上都是/以上都不是"),
    ("negative-unmarked", "否定问法未加重"),
    ("explanation-quotes-distractor", "解析与非答案选项吻合"),
    ("source-standard-only", "出处缺失或不足"),
    ("difficulty-vs-facility", "难度与实测难度系数矛盾"),
    ("near-duplicate", "题干近似重复"),
    ("cue-word", "全库答案提示词"),
];

/// The Chinese name of a flag code (the code itself if unknown).
pub fn label(code: &str) -> &str {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or(code)
}

/// One flag on one item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub code: &'static str,
    pub reason: String,
}

/// The flags of one item (only items with at least one flag, open or reviewed, are reported).
#[derive(Debug, Clone, Serialize)]
pub struct ItemFlags {
    pub id: String,
    pub kind: &'static str,
    /// Flags nobody has reviewed: these count against the thresholds.
    pub flags: Vec<Flag>,
    /// Flags a reviewer looked at and kept on purpose, with the reviewer's reason.
    pub reviewed: Vec<ReviewedFlag>,
}

/// A reviewer's decision to keep one flag of one item: the flag is real, and the item is
/// right as it is (for example a stem word that is the very thing being tested).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub id: String,
    pub code: String,
    pub reason: String,
}

/// A flag together with the review that keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewedFlag {
    pub code: &'static str,
    pub reason: String,
    pub review: String,
}

/// Longest-option figures for one choice kind.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LongestKey {
    /// Items of this kind with at least two options.
    pub items: usize,
    /// Items whose single longest option is a key option.
    pub longest_is_key: usize,
    /// `longest_is_key / items` (0 when there are no items).
    pub rate: f64,
    /// The rate expected by chance: key options / options, averaged over the items.
    pub chance: f64,
}

/// The figures of a lint run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Items checked.
    pub checked: usize,
    /// Items with at least one flag.
    pub flagged: usize,
    /// Flag code → items flagged with it (open flags only).
    pub counts: BTreeMap<&'static str, usize>,
    /// Flags kept by a review (not counted in `flagged` or `counts`).
    pub reviewed: usize,
    /// Reviews that match no flag any more (`"ID code"`): the item was changed or the
    /// check no longer fires, so the review can be deleted.
    pub stale_reviews: Vec<String>,
    pub single: LongestKey,
    pub multiple: LongestKey,
    /// Multiple choice, pooled over the items: mean width of key options and of the others.
    pub multiple_key_mean_width: f64,
    pub multiple_other_mean_width: f64,
    /// Pooled key-option mean width ≥ [`MULTI_KEY_LONGER`] × the others' (`multi-key-longer`
    /// for the bank as a whole).
    pub multiple_key_longer: bool,
    /// Words that tell keys from distractors across the whole bank (`cue-word`).
    pub cue_words: Vec<CueWord>,
}

/// A word whose place across the bank's single-choice items gives keys away: it stands
/// only in the key far more often than chance (`"cue"`: pick the option that 报告), or
/// almost never (`"anti"`: avoid the option that says 不必).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CueWord {
    pub word: String,
    /// `"cue"` or `"anti"`.
    pub direction: &'static str,
    /// Items where the word is in the key and in no distractor.
    pub key_only: Vec<String>,
    /// Items where the word is in a distractor and not in the key.
    pub distractor_only: Vec<String>,
    /// `key_only / (key_only + distractor_only)`.
    pub share: f64,
}

/// The result of a lint run: the summary and the flagged items, in input order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub items: Vec<ItemFlags>,
}

/// The key options' indexes of a choice item (letters `A`… in the canonical answer).
fn key_indexes(item: &Item) -> Vec<usize> {
    if item.kind == Kind::Judge {
        return Vec::new();
    }
    item.answer
        .chars()
        .filter(char::is_ascii_uppercase)
        .map(|c| (c as u8 - b'A') as usize)
        .filter(|&i| i < item.options.len())
        .collect()
}

fn letter(index: usize) -> char {
    (b'A' + index as u8) as char
}

fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The index of the single widest option, if one is strictly wider than all others.
fn single_longest(options: &[String]) -> Option<usize> {
    let widths: Vec<usize> = options.iter().map(|o| width(o)).collect();
    let max = *widths.iter().max()?;
    let mut at = widths.iter().enumerate().filter(|(_, w)| **w == max).map(|(i, _)| i);
    let first = at.next()?;
    if at.next().is_some() { None } else { Some(first) }
}

/// `longest-key`, `key-much-longer` (single) and `multi-key-longer` (multiple).
pub fn check_lengths(item: &Item) -> Vec<Flag> {
    let mut flags = Vec::new();
    let keys = key_indexes(item);
    if item.options.len() < 2 || keys.is_empty() {
        return flags;
    }
    match item.kind {
        Kind::Single => {
            let key = keys[0];
            if single_longest(&item.options) == Some(key) {
                let key_width = width(&item.options[key]);
                let next = item
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != key)
                    .map(|(_, o)| width(o))
                    .max()
                    .unwrap_or(0);
                flags.push(Flag {
                    code: "longest-key",
                    reason: format!("答案 {} 是最长的选项（宽 {key_width}，其次 {next}）", letter(key)),
                });
                if key_width as f64 >= KEY_MUCH_LONGER * next as f64 {
                    flags.push(Flag {
                        code: "key-much-longer",
                        reason: format!(
                            "答案 {} 比其次最长的选项长 {:.0}% 以上，考生凭长度即可猜中",
                            letter(key),
                            (KEY_MUCH_LONGER - 1.0) * 100.0
                        ),
                    });
                }
            }
        }
        Kind::Multiple => {
            let (key_mean, other_mean) = mean_widths(item, &keys);
            if let (Some(k), Some(o)) = (key_mean, other_mean)
                && k >= MULTI_KEY_LONGER * o
            {
                flags.push(Flag {
                    code: "multi-key-longer",
                    reason: format!("正确选项平均宽 {k:.1}，其余选项平均宽 {o:.1}，正确选项明显更长"),
                });
            }
        }
        Kind::Judge => {}
    }
    flags
}

/// Mean width of the key options and of the other options.
fn mean_widths(item: &Item, keys: &[usize]) -> (Option<f64>, Option<f64>) {
    let mean = |ws: Vec<usize>| (!ws.is_empty()).then(|| ws.iter().sum::<usize>() as f64 / ws.len() as f64);
    let (mut k, mut o) = (Vec::new(), Vec::new());
    for (i, option) in item.options.iter().enumerate() {
        if keys.contains(&i) { k.push(width(option)) } else { o.push(width(option)) }
    }
    (mean(k), mean(o))
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// The CJK bigrams of a text (within runs of CJK characters), in order, without repeats.
fn cjk_bigrams(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for pair in chars.windows(2) {
        if is_cjk(pair[0]) && is_cjk(pair[1]) {
            let word: String = pair.iter().collect();
            if !out.contains(&word) {
                out.push(word);
            }
        }
    }
    out
}

/// `echo`: stem words found in a key option and in no other option.
pub fn check_echo(item: &Item) -> Vec<Flag> {
    let keys = key_indexes(item);
    if keys.is_empty() || keys.len() == item.options.len() {
        return Vec::new();
    }
    let contains = |text: &str, word: &Word| match word {
        Word::Cjk(w) => text.contains(w.as_str()),
        Word::Number(n) => numbers(text).contains(n),
    };
    let mut words: Vec<Word> =
        cjk_bigrams(&item.stem).into_iter().filter(|w| !FUNCTION_WORDS.contains(&w.as_str())).map(Word::Cjk).collect();
    words.extend(numbers(&item.stem).into_iter().map(Word::Number));
    let echoed: Vec<&Word> = words
        .iter()
        .filter(|w| {
            let in_key = keys.iter().any(|&k| contains(&item.options[k], w));
            let in_other = item.options.iter().enumerate().any(|(i, o)| !keys.contains(&i) && contains(o, w));
            in_key && !in_other
        })
        .collect();
    if echoed.is_empty() {
        return Vec::new();
    }
    let shown: Vec<String> = echoed
        .iter()
        .take(3)
        .map(|w| match w {
            Word::Cjk(w) | Word::Number(w) => format!("「{w}」"),
        })
        .collect();
    vec![Flag {
        code: "echo", reason: format!("题干中的{}只出现在正确选项里，考生可凭字面对应猜中", shown.join(""))
    }]
}

/// A stem word the echo check looks for: two CJK characters, or a whole number (a stem's
/// "18个月" echoed by a key "18人" is as much a giveaway as a repeated word).
enum Word {
    Cjk(String),
    Number(String),
}

/// The whole numbers of a text (maximal runs of ASCII digits and inner decimal points:
/// "37.5", "18"), without repeats; "18" is not found inside "180".
fn numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() || (c == '.' && !current.is_empty()) {
            current.push(c);
        } else if !current.is_empty() {
            let number = current.trim_end_matches('.').to_owned();
            if !out.contains(&number) {
                out.push(number);
            }
            current.clear();
        }
    }
    out
}

/// `all-of-the-above`.
pub fn check_all_of_the_above(item: &Item) -> Vec<Flag> {
    for (i, option) in item.options.iter().enumerate() {
        let lower = option.to_lowercase();
        let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(phrase) =
            ALL_OF_THE_ABOVE.iter().find(|p| compact.contains(&p.replace(' ', "")) || lower.contains(**p))
        {
            return vec![Flag {
                code: "all-of-the-above",
                reason: format!("选项 {} 是「{phrase}」一类的选项，考生可凭排除法作答", letter(i)),
            }];
        }
    }
    if item.kind == Kind::Multiple && item.options.len() >= 2 && key_indexes(item).len() == item.options.len() {
        return vec![Flag {
            code: "all-of-the-above",
            reason: "多选题的全部选项都是答案，等于「以上都是」：考生全选即得分，请把一个选项改写成常见的错误做法"
                .to_owned(),
        }];
    }
    Vec::new()
}

/// Byte ranges of the text inside `**…**` pairs and inside 「」.
fn marked_spans(stem: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let stars: Vec<usize> = stem.match_indices("**").map(|(i, _)| i).collect();
    for pair in stars.chunks(2) {
        if let [open, close] = pair {
            spans.push((open + 2, *close));
        }
    }
    let mut from = 0;
    while let Some(open) = stem[from..].find('「').map(|i| i + from) {
        let inner = open + '「'.len_utf8();
        match stem[inner..].find('」') {
            Some(close) => {
                spans.push((inner, inner + close));
                from = inner + close;
            }
            None => break,
        }
    }
    spans
}

/// `negative-unmarked` (choice items only).
pub fn check_negative(item: &Item) -> Vec<Flag> {
    if item.kind == Kind::Judge {
        return Vec::new();
    }
    let spans = marked_spans(&item.stem);
    // A `**` may split the word (`**不**正确`): match on the stem with the stars removed,
    // mapping positions back.
    let mut plain = String::new();
    let mut origin: Vec<usize> = Vec::new();
    let mut rest = item.stem.as_str();
    let mut offset = 0;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("**") {
            rest = &rest[2..];
            offset += 2;
            continue;
        }
        plain.push(c);
        origin.extend(std::iter::repeat_n(offset, c.len_utf8()));
        rest = &rest[c.len_utf8()..];
        offset += c.len_utf8();
    }
    let marked_at = |byte: usize| spans.iter().any(|&(s, e)| s <= byte && byte < e);
    let mut unmarked: Vec<&str> = Vec::new();
    for word in NEGATIONS {
        for (at, _) in plain.match_indices(word) {
            // Marked when the first character of the word is inside a marked span.
            if !marked_at(origin[at]) && !unmarked.contains(word) {
                unmarked.push(word);
            }
        }
    }
    if unmarked.is_empty() {
        return Vec::new();
    }
    vec![Flag {
        code: "negative-unmarked",
        reason: format!(
            "题干问的是否定（{}）却没有加重提示；请写成 **{}** 或「{}」",
            unmarked.join("、"),
            unmarked[0],
            unmarked[0]
        ),
    }]
}

/// Letters, digits and a few unit signs: what the similarity checks compare.
fn comparable(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric() || matches!(c, '℃' | '%' | '％')).flat_map(char::to_lowercase).collect()
}

/// Length of the longest common substring, in characters.
fn longest_common(a: &[char], b: &[char]) -> usize {
    let mut best = 0;
    let mut previous = vec![0usize; b.len() + 1];
    for &x in a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            if x == y {
                current[j + 1] = previous[j] + 1;
                best = best.max(current[j + 1]);
            }
        }
        previous = current;
    }
    best
}

/// Share of the option's character bigrams that occur in the explanation.
fn bigram_share(option: &[char], explanation: &HashSet<(char, char)>) -> f64 {
    let grams: HashSet<(char, char)> = option.windows(2).map(|w| (w[0], w[1])).collect();
    if grams.is_empty() {
        return 0.0;
    }
    grams.iter().filter(|g| explanation.contains(g)).count() as f64 / grams.len() as f64
}

/// `explanation-quotes-distractor`.
pub fn check_explanation(item: &Item) -> Vec<Flag> {
    let keys = key_indexes(item);
    let explanation = comparable(&item.explanation);
    if keys.is_empty() || explanation.len() < 2 {
        return Vec::new();
    }
    let grams: HashSet<(char, char)> = explanation.windows(2).map(|w| (w[0], w[1])).collect();
    let scores: Vec<(usize, f64)> = item
        .options
        .iter()
        .map(|o| {
            let o = comparable(o);
            (longest_common(&o, &explanation), bigram_share(&o, &grams))
        })
        .collect();
    let key_common = keys.iter().map(|&k| scores[k].0).max().unwrap_or(0);
    let key_share = keys.iter().map(|&k| scores[k].1).fold(0.0, f64::max);
    for (i, &(common, share)) in scores.iter().enumerate() {
        if keys.contains(&i) {
            continue;
        }
        // The bigram share must not point the other way: an explanation that refutes a
        // distractor quotes a few of its words, but still says the key's in more places.
        let by_substring = common >= MIN_COMMON && common > key_common && share >= key_share;
        let by_bigrams = key_common < MIN_COMMON && share >= 0.5 && share > key_share;
        // The explanation says (a quarter of) a distractor's words and next to none of
        // the key's: ETH-0022 keyed D, whose explanation paraphrases option C.
        let by_silence = key_share < 0.1 && key_common < 3 && share >= 0.25 && common >= 2;
        if by_substring || by_bigrams || by_silence {
            return vec![Flag {
                code: "explanation-quotes-distractor",
                reason: format!(
                    "解析与非答案选项 {} 的重合多于与答案 {} 的重合；选项调整过顺序后答案是否忘了改？",
                    letter(i),
                    item.answer
                ),
            }];
        }
    }
    Vec::new()
}

/// Whether the stem contains a number followed by a unit (see [`UNITS`]).
pub fn has_quantity(stem: &str) -> bool {
    let chars: Vec<char> = stem.chars().collect();
    let numeral =
        |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c) || "一二三四五六七八九十两半百".contains(c);
    let mut i = 0;
    while i < chars.len() {
        if !numeral(chars[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (numeral(chars[j]) || (chars[j] == '.' && j > i)) {
            j += 1;
        }
        let mut rest: String = chars[j..].iter().take(4).collect();
        rest = rest.trim_start().to_owned();
        if let Some(stripped) = rest.strip_prefix('个') {
            rest = stripped.to_owned();
        }
        if UNITS.iter().any(|u| rest.starts_with(u)) {
            return true;
        }
        i = j;
    }
    false
}

/// `source-standard-only`.
pub fn check_source(item: &Item) -> Vec<Flag> {
    let source = item.source.trim();
    if source.is_empty() {
        return vec![Flag { code: "source-standard-only", reason: "没有填写出处".to_owned() }];
    }
    let normalized = source.replace('(', "（").replace(')', "）");
    if normalized == STANDARD && has_quantity(&item.stem) {
        return vec![Flag {
            code: "source-standard-only",
            reason: "题干含具体数值，出处却只有职业技能标准；请注明数值所依据的指南或规范".to_owned(),
        }];
    }
    Vec::new()
}

/// `difficulty-vs-facility`.
pub fn check_difficulty(item: &Item) -> Vec<Flag> {
    let Some(facility) = item.facility else { return Vec::new() };
    let contradicts = match item.difficulty {
        Difficulty::Easy => facility < EASY_MIN_FACILITY,
        Difficulty::Hard => facility > HARD_MAX_FACILITY,
        Difficulty::Medium => false,
    };
    if !contradicts {
        return Vec::new();
    }
    vec![Flag {
        code: "difficulty-vs-facility",
        reason: format!("标为「{}」，但实测难度系数（答对比例）为 {facility:.2}", item.difficulty.label()),
    }]
}

/// Character 3-grams of a stem's letters and digits.
fn trigrams(stem: &str) -> HashSet<[char; 3]> {
    let chars: Vec<char> = crate::bank::stem_key(stem).chars().collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// `cue-word`: the words (CJK bigrams, other than [`FUNCTION_WORDS`]) that tell keys from
/// distractors across the single-choice items, most telling first.
pub fn cue_words(items: &[Item]) -> Vec<CueWord> {
    // Item indexes per side, keyed by the two characters: no string per occurrence, so a
    // bank of 50,000 formulaic items stays fast.
    let mut sides: HashMap<[char; 2], (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (index, item) in items.iter().enumerate().filter(|(_, i)| i.kind == Kind::Single) {
        let keys = key_indexes(item);
        if keys.is_empty() {
            continue;
        }
        let words: Vec<HashSet<[char; 2]>> = item.options.iter().map(|o| cjk_pairs(o).collect()).collect();
        let all: HashSet<&[char; 2]> = words.iter().flatten().collect();
        for word in all {
            let in_key = keys.iter().any(|&k| words[k].contains(word));
            let in_other = words.iter().enumerate().any(|(i, w)| !keys.contains(&i) && w.contains(word));
            match (in_key, in_other) {
                (true, false) => sides.entry(*word).or_default().0.push(index),
                (false, true) => sides.entry(*word).or_default().1.push(index),
                _ => {}
            }
        }
    }
    let ids = |found: Vec<usize>| found.into_iter().map(|i| items[i].id.clone()).collect::<Vec<_>>();
    let mut found: Vec<CueWord> = sides
        .into_iter()
        .filter_map(|(pair, (key_only, distractor_only))| {
            let word: String = pair.iter().collect();
            if FUNCTION_WORDS.contains(&word.as_str()) {
                return None;
            }
            let n = key_only.len() + distractor_only.len();
            let share = key_only.len() as f64 / n as f64;
            let direction = if n >= CUE_MIN_ITEMS && share >= CUE_SHARE {
                "cue"
            } else if n >= ANTI_MIN_ITEMS && share <= ANTI_SHARE {
                "anti"
            } else {
                return None;
            };
            Some(CueWord { word, direction, key_only: ids(key_only), distractor_only: ids(distractor_only), share })
        })
        .collect();
    found.sort_by(|a, b| {
        let telling = |c: &CueWord| (c.share - 0.25).abs();
        telling(b).total_cmp(&telling(a)).then_with(|| a.word.cmp(&b.word))
    });
    found
}

/// The pairs of adjacent CJK characters of a text.
fn cjk_pairs(text: &str) -> impl Iterator<Item = [char; 2]> + '_ {
    let mut chars = text.chars().peekable();
    std::iter::from_fn(move || {
        loop {
            let c = chars.next()?;
            if let Some(&next) = chars.peek()
                && is_cjk(c)
                && is_cjk(next)
            {
                return Some([c, next]);
            }
        }
    })
}

/// `near-duplicate` pairs `(earlier, later, similarity)` by index, each pair once, at
/// most [`NEAR_DUPLICATES_PER_ITEM`] (the most similar) for each later item.
///
/// Candidates come only from trigrams found in at most [`COMMON_TRIGRAM`] stems: two stems
/// alike enough share their distinctive words, while wording every stem uses ("保育师应")
/// would pair every item with every other and make the check quadratic. The similarity of
/// a candidate pair is then computed exactly, over all trigrams.
pub fn near_duplicates(items: &[Item]) -> Vec<(usize, usize, f64)> {
    let grams: Vec<HashSet<[char; 3]>> = items.iter().map(|i| trigrams(&i.stem)).collect();
    let mut stems_with: HashMap<[char; 3], usize> = HashMap::new();
    for set in &grams {
        for gram in set {
            *stems_with.entry(*gram).or_default() += 1;
        }
    }
    let distinctive = |gram: &[char; 3]| stems_with.get(gram).is_some_and(|&n| n <= COMMON_TRIGRAM);
    let mut index: HashMap<[char; 3], Vec<usize>> = HashMap::new();
    let mut pairs = Vec::new();
    for (later, set) in grams.iter().enumerate() {
        let mut candidates: HashSet<usize> = HashSet::new();
        for gram in set.iter().filter(|g| distinctive(g)) {
            if let Some(earlier) = index.get(gram) {
                candidates.extend(earlier.iter().copied());
            }
        }
        let mut found: Vec<(usize, f64)> = candidates
            .into_iter()
            .map(|e| {
                let shared = grams[e].intersection(set).count();
                (e, shared as f64 / (grams[e].len() + set.len() - shared) as f64)
            })
            .filter(|&(e, j)| {
                j >= NEAR_DUPLICATE
                    && items[e].id != items[later].id
                    && !items[e].enemies.contains(&items[later].id)
                    && !items[later].enemies.contains(&items[e].id)
            })
            .collect();
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.truncate(NEAR_DUPLICATES_PER_ITEM);
        found.sort_by_key(|&(e, _)| e);
        pairs.extend(found.into_iter().map(|(e, j)| (e, later, j)));
        for gram in set.iter().filter(|g| distinctive(g)) {
            index.entry(*gram).or_default().push(later);
        }
    }
    pairs
}

/// The `[[review]]` entries of a reviews file, each checked: a known code, an id, and a
/// reason an exam office can read; `file` names the file in messages.
pub fn parse_reviews(file: &str, text: &str) -> Result<Vec<Review>, Problems> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ReviewsFile {
        #[serde(default)]
        review: Vec<Review>,
    }
    let parsed: ReviewsFile = from_toml(file, text, "复核记录")?;
    let mut problems = Problems::default();
    let mut seen = HashSet::new();
    for (review, line) in parsed.review.iter().zip(table_lines(text, "review")) {
        let at = Location::new(file, line, None);
        if review.id.trim().is_empty() {
            problems.error(at.clone(), "id 不能为空：写被复核试题的编号，例如 SAFE-0012");
        }
        if !CODES.iter().any(|(code, _)| *code == review.code) {
            let known: Vec<&str> = CODES.iter().map(|(code, _)| *code).collect();
            problems.error(at.clone(), format!("不认识的提示代码「{}」；可写：{}", review.code, known.join("、")));
        }
        if review.reason.trim().is_empty() {
            problems.error(at.clone(), "reason 不能为空：写明为什么这条提示可以保留");
        }
        if !seen.insert((review.id.as_str(), review.code.as_str())) {
            problems.error(at, format!("{} 的 {} 已复核过一次，请删去重复的一条", review.id, review.code));
        }
    }
    if problems.has_errors() { Err(problems) } else { Ok(parsed.review) }
}

/// Every check on every item, and the summary; flags matched by a review (same item id
/// and code) are set apart as reviewed and do not count as flagged.
pub fn lint(items: &[Item], reviews: &[Review]) -> Report {
    let mut flags: Vec<Vec<Flag>> = items
        .iter()
        .map(|item| {
            let mut f = check_lengths(item);
            f.extend(check_echo(item));
            f.extend(check_all_of_the_above(item));
            f.extend(check_negative(item));
            f.extend(check_explanation(item));
            f.extend(check_source(item));
            f.extend(check_difficulty(item));
            f
        })
        .collect();
    let cues = cue_words(items);
    // One flag per item, naming up to three of its telling words, however many there are.
    let index_of: HashMap<&str, usize> = items.iter().enumerate().map(|(i, item)| (item.id.as_str(), i)).collect();
    let mut telling: BTreeMap<usize, Vec<&CueWord>> = BTreeMap::new();
    for cue in &cues {
        let ids = if cue.direction == "cue" { &cue.key_only } else { &cue.distractor_only };
        for id in ids {
            if let Some(&i) = index_of.get(id.as_str()) {
                telling.entry(i).or_default().push(cue);
            }
        }
    }
    for (i, words) in telling {
        let described: Vec<String> = words
            .iter()
            .take(3)
            .map(|cue| {
                let n = cue.key_only.len() + cue.distractor_only.len();
                if cue.direction == "cue" {
                    format!("「{}」在全库 {n} 道单选题中有 {} 道只出现在答案里", cue.word, cue.key_only.len())
                } else {
                    format!("「{}」在全库 {n} 道单选题中只有 {} 道出现在答案里", cue.word, cue.key_only.len())
                }
            })
            .collect();
        flags[i].push(Flag {
            code: "cue-word",
            reason: format!(
                "{}{}：考生凭这个词就能选中或排除；请在干扰项（或答案）中也自然地用它，或换一种说法",
                described.join("；"),
                if words.len() > 3 { format!("等 {} 个词", words.len()) } else { String::new() }
            ),
        });
    }
    for (earlier, later, similarity) in near_duplicates(items) {
        flags[later].push(Flag {
            code: "near-duplicate",
            reason: format!(
                "题干与 {} 相似（相似度 {similarity:.2}）；若是重复出题请删去一道，若不应同卷请设为互斥题",
                items[earlier].id
            ),
        });
    }

    let mut summary = Summary { checked: items.len(), cue_words: cues, ..Summary::default() };
    let (mut key_widths, mut other_widths) = (Vec::new(), Vec::new());
    for item in items {
        let keys = key_indexes(item);
        if item.options.len() < 2 || keys.is_empty() {
            continue;
        }
        let figures = match item.kind {
            Kind::Single => &mut summary.single,
            Kind::Multiple => &mut summary.multiple,
            Kind::Judge => continue,
        };
        figures.items += 1;
        figures.chance += keys.len() as f64 / item.options.len() as f64;
        if single_longest(&item.options).is_some_and(|i| keys.contains(&i)) {
            figures.longest_is_key += 1;
        }
        if item.kind == Kind::Multiple {
            for (i, option) in item.options.iter().enumerate() {
                if keys.contains(&i) { key_widths.push(width(option)) } else { other_widths.push(width(option)) }
            }
        }
    }
    for figures in [&mut summary.single, &mut summary.multiple] {
        if figures.items > 0 {
            figures.rate = figures.longest_is_key as f64 / figures.items as f64;
            figures.chance /= figures.items as f64;
        }
    }
    let mean = |ws: &[usize]| if ws.is_empty() { 0.0 } else { ws.iter().sum::<usize>() as f64 / ws.len() as f64 };
    summary.multiple_key_mean_width = mean(&key_widths);
    summary.multiple_other_mean_width = mean(&other_widths);
    summary.multiple_key_longer = !other_widths.is_empty()
        && !key_widths.is_empty()
        && summary.multiple_key_mean_width >= MULTI_KEY_LONGER * summary.multiple_other_mean_width;

    let review_of: HashMap<(&str, &str), &Review> =
        reviews.iter().map(|r| ((r.id.as_str(), r.code.as_str()), r)).collect();
    let mut used: HashSet<(&str, &str)> = HashSet::new();
    let mut report_items = Vec::new();
    for (item, all) in items.iter().zip(flags) {
        if all.is_empty() {
            continue;
        }
        let (mut open, mut reviewed) = (Vec::new(), Vec::new());
        for flag in all {
            match review_of.get(&(item.id.as_str(), flag.code)) {
                Some(review) => {
                    used.insert((item.id.as_str(), flag.code));
                    reviewed.push(ReviewedFlag { code: flag.code, reason: flag.reason, review: review.reason.clone() });
                }
                None => open.push(flag),
            }
        }
        let mut seen: HashSet<&'static str> = HashSet::new();
        for flag in &open {
            if seen.insert(flag.code) {
                *summary.counts.entry(flag.code).or_default() += 1;
            }
        }
        summary.reviewed += reviewed.len();
        summary.flagged += usize::from(!open.is_empty());
        report_items.push(ItemFlags { id: item.id.clone(), kind: item.kind.code(), flags: open, reviewed });
    }
    summary.stale_reviews = reviews
        .iter()
        .filter(|r| !used.contains(&(r.id.as_str(), r.code.as_str())))
        .map(|r| format!("{} {}", r.id, r.code))
        .collect();
    Report { summary, items: report_items }
}

/// One line for `bank import`: how many items were flagged, and by what.
pub fn one_line(report: &Report) -> String {
    if report.summary.flagged == 0 {
        return format!("命题检查：{} 题均未发现问题", report.summary.checked);
    }
    let counts: Vec<String> = report.summary.counts.iter().map(|(code, n)| format!("{code} {n}")).collect();
    format!(
        "命题检查：{} 题中 {} 题有提示（{}）；单选题答案为最长选项的比例 {:.0}%（随机约 {:.0}%）。详见 certify bank lint",
        report.summary.checked,
        report.summary.flagged,
        counts.join("，"),
        report.summary.single.rate * 100.0,
        report.summary.single.chance * 100.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{Domain, Level};

    fn item(id: &str, kind: Kind, stem: &str, options: &[&str], answer: &str) -> Item {
        Item {
            id: id.to_owned(),
            domain: Domain::ALL[0],
            kind,
            levels: vec![Level::ALL[0]],
            difficulty: Difficulty::Medium,
            stem: stem.to_owned(),
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            answer: answer.to_owned(),
            explanation: String::new(),
            tags: Vec::new(),
            source: "《托育机构婴幼儿喂养与营养指南（试行）》".to_owned(),
            enemies: Vec::new(),
            facility: None,
        }
    }

    fn codes(flags: &[Flag]) -> Vec<&'static str> {
        flags.iter().map(|f| f.code).collect()
    }

    #[test]
    fn longest_key_and_much_longer() {
        let flagged = item("A", Kind::Single, "题干", &["甲", "乙乙", "丙丙丙丙丙丙", "丁"], "C");
        assert_eq!(codes(&check_lengths(&flagged)), ["longest-key", "key-much-longer"]);
        let slightly = item("A", Kind::Single, "题干", &["甲甲甲甲甲", "乙乙乙乙乙乙", "丙", "丁"], "B");
        assert_eq!(codes(&check_lengths(&slightly)), ["longest-key"]);
        let tie = item("A", Kind::Single, "题干", &["甲甲", "乙乙", "丙", "丁"], "B");
        assert!(check_lengths(&tie).is_empty());
        let short_key = item("A", Kind::Single, "题干", &["甲", "乙乙乙", "丙", "丁"], "A");
        assert!(check_lengths(&short_key).is_empty());
    }

    #[test]
    fn multiple_key_longer() {
        let flagged = item("M", Kind::Multiple, "题干", &["甲甲甲甲", "乙乙乙乙", "丙", "丁"], "AB");
        assert_eq!(codes(&check_lengths(&flagged)), ["multi-key-longer"]);
        let even = item("M", Kind::Multiple, "题干", &["甲甲", "乙乙", "丙丙", "丁丁"], "AB");
        assert!(check_lengths(&even).is_empty());
    }

    #[test]
    fn echo_of_a_stem_word_in_the_key_only() {
        let flagged =
            item("E", Kind::Single, "婴儿辅食添加的顺序是（  ）", &["先辅食后奶", "由少到多", "先肉后菜", "随意"], "A");
        let flags = check_echo(&flagged);
        assert_eq!(codes(&flags), ["echo"]);
        assert!(flags[0].reason.contains("辅食"));
        let fair = item(
            "E",
            Kind::Single,
            "婴儿辅食添加的顺序是（  ）",
            &["辅食由少到多", "辅食一次多种", "辅食先肉", "辅食随意"],
            "A",
        );
        assert!(check_echo(&fair).is_empty());
        let function_word = item("E", Kind::Single, "下列说法正确的是", &["下列正确", "甲", "乙", "丙"], "A");
        assert!(check_echo(&function_word).is_empty());
    }

    #[test]
    fn all_of_the_above_options() {
        let flagged = item("L", Kind::Single, "题干", &["甲", "乙", "丙", "以上都是"], "D");
        assert_eq!(codes(&check_all_of_the_above(&flagged)), ["all-of-the-above"]);
        let english = item("L", Kind::Single, "stem", &["a", "b", "All of the above"], "C");
        assert_eq!(codes(&check_all_of_the_above(&english)), ["all-of-the-above"]);
        let fine = item("L", Kind::Single, "题干", &["甲", "乙", "丙", "以上三项的顺序"], "A");
        assert!(check_all_of_the_above(&fine).is_empty());
    }

    #[test]
    fn negative_stems_need_emphasis() {
        let options = ["甲", "乙", "丙", "丁"];
        let bare = item("N", Kind::Single, "下列做法不正确的是（  ）", &options, "A");
        assert_eq!(codes(&check_negative(&bare)), ["negative-unmarked"]);
        for marked in ["下列做法**不正确**的是（  ）", "下列做法**不**正确的是（  ）", "下列做法「不正确」的是（  ）"]
        {
            assert!(check_negative(&item("N", Kind::Single, marked, &options, "A")).is_empty(), "{marked}");
        }
        let positive = item("N", Kind::Single, "下列做法正确的是（  ）", &options, "A");
        assert!(check_negative(&positive).is_empty());
        let judge = item("N", Kind::Judge, "婴儿不应趴睡。", &[], "对");
        assert!(check_negative(&judge).is_empty());
    }

    #[test]
    fn explanation_that_quotes_a_distractor() {
        let mut left_behind = item("X", Kind::Single, "题干", &["满4月龄", "满6月龄", "满8月龄", "满12月龄"], "A");
        left_behind.explanation = "满6月龄起添加辅食。".to_owned();
        assert_eq!(codes(&check_explanation(&left_behind)), ["explanation-quotes-distractor"]);
        let mut right = left_behind.clone();
        right.answer = "B".to_owned();
        assert!(check_explanation(&right).is_empty());
        let mut short = item("X", Kind::Single, "题干", &["侧卧", "仰卧", "俯卧"], "A");
        short.explanation = "应仰卧睡眠。".to_owned();
        assert_eq!(codes(&check_explanation(&short)), ["explanation-quotes-distractor"]);
        // ETH-0022 as it once was: keyed D, its explanation paraphrasing option C.
        let eth_0022 = Item {
            options: vec![
                "怕伤了和气，装作没有看见，事后也不提".into(),
                "不打扰婴儿睡眠，等他睡醒后再提醒同事".into(),
                "立即改为仰卧、移开软枕，再沟通报告".into(),
                "不当面指出，私下告诉家长让家长去投诉".into(),
            ],
            answer: "D".into(),
            explanation:
                "俯卧和柔软寝具会增加婴儿窒息风险，孩子的安全优先于同事情面：先立即消除危险，再沟通并报告，以便改进。"
                    .into(),
            ..short.clone()
        };
        assert_eq!(codes(&check_explanation(&eth_0022)), ["explanation-quotes-distractor"]);
        assert!(check_explanation(&Item { answer: "C".into(), ..eth_0022 }).is_empty());
        short.answer = "B".to_owned();
        assert!(check_explanation(&short).is_empty());
        let mut refutes = item(
            "X",
            Kind::Single,
            "题干",
            &["建议她在尿布台四周多放几个枕头挡住", "立即上前护住婴儿，事后指导她规范操作"],
            "B",
        );
        refutes.explanation =
            "婴儿独自在尿布台上随时可能坠落，应先上前护住，再指导她规范操作；加枕头不能防止坠落。".to_owned();
        assert!(check_explanation(&refutes).is_empty());
    }

    #[test]
    fn source_missing_or_standard_only_with_a_figure() {
        let mut missing = item("S", Kind::Judge, "洗手要认真。", &[], "对");
        missing.source = String::new();
        assert_eq!(codes(&check_source(&missing)), ["source-standard-only"]);
        let mut standard = item("S", Kind::Judge, "洗手至少20秒，水温约40 ℃。", &[], "对");
        standard.source = STANDARD.to_owned();
        assert_eq!(codes(&check_source(&standard)), ["source-standard-only"]);
        standard.stem = "婴儿满六个月添加辅食。".to_owned();
        assert_eq!(codes(&check_source(&standard)), ["source-standard-only"]);
        standard.stem = "保育师应关爱婴幼儿。".to_owned();
        assert!(check_source(&standard).is_empty());
        let cited = item("S", Kind::Judge, "洗手至少20秒。", &[], "对");
        assert!(check_source(&cited).is_empty());
    }

    #[test]
    fn quantities() {
        assert!(has_quantity("每次喂奶15分钟"));
        assert!(has_quantity("体温38.5℃以上"));
        assert!(has_quantity("3岁以下"));
        assert!(has_quantity("湿度50%"));
        assert!(!has_quantity("保育师的职业守则"));
        assert!(!has_quantity("第一步是什么"));
    }

    #[test]
    fn difficulty_against_facility() {
        let mut easy = item("D", Kind::Judge, "题干", &[], "对");
        easy.difficulty = Difficulty::Easy;
        easy.facility = Some(0.4);
        assert_eq!(codes(&check_difficulty(&easy)), ["difficulty-vs-facility"]);
        easy.facility = Some(0.6);
        assert!(check_difficulty(&easy).is_empty());
        let mut hard = easy.clone();
        hard.difficulty = Difficulty::Hard;
        hard.facility = Some(0.9);
        assert_eq!(codes(&check_difficulty(&hard)), ["difficulty-vs-facility"]);
        hard.facility = Some(0.5);
        assert!(check_difficulty(&hard).is_empty());
        hard.facility = None;
        assert!(check_difficulty(&hard).is_empty());
    }

    #[test]
    fn near_duplicates_once_and_not_for_enemies() {
        let a = item("A", Kind::Judge, "婴儿开始添加辅食的适宜月龄是满6月龄。", &[], "对");
        let b = item("B", Kind::Judge, "婴儿开始添加辅食的适宜月龄是满6个月。", &[], "对");
        let c = item("C", Kind::Judge, "洗手时应按七步洗手法认真搓揉。", &[], "对");
        let pairs = near_duplicates(&[a.clone(), b.clone(), c.clone()]);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].0, pairs[0].1), (0, 1));
        let report = lint(&[a.clone(), b.clone(), c], &[]);
        assert_eq!(report.summary.counts.get("near-duplicate"), Some(&1));
        let mut enemy = b;
        enemy.enemies = vec!["A".to_owned()];
        assert!(near_duplicates(&[a, enemy]).is_empty());
    }

    #[test]
    fn summary_rates_against_chance() {
        let items = [
            item("1", Kind::Single, "甲题", &["甲", "乙乙乙", "丙", "丁"], "B"),
            item("2", Kind::Single, "乙题", &["甲", "乙乙乙", "丙", "丁"], "A"),
            item("3", Kind::Multiple, "丙题", &["甲甲甲", "乙", "丙", "丁"], "AB"),
        ];
        let report = lint(&items, &[]);
        assert_eq!(report.summary.single.items, 2);
        assert_eq!(report.summary.single.longest_is_key, 1);
        assert!((report.summary.single.rate - 0.5).abs() < 1e-9);
        assert!((report.summary.single.chance - 0.25).abs() < 1e-9);
        assert_eq!(report.summary.multiple.longest_is_key, 1);
        assert!((report.summary.multiple.chance - 0.5).abs() < 1e-9);
        assert_eq!(report.summary.multiple_key_mean_width, 4.0);
        assert_eq!(report.summary.multiple_other_mean_width, 2.0);
        assert!(report.summary.multiple_key_longer);
        assert_eq!(label("echo"), "题干字眼只在答案中重现");
    }

    #[test]
    fn a_number_of_the_stem_repeated_only_in_the_key_is_an_echo() {
        let echo =
            item("N", Kind::Single, "18个月以上可混合编班，每班不超过（  ）", &["15人", "18人", "20人", "25人"], "B");
        assert!(check_echo(&echo).iter().any(|f| f.reason.contains("「18」")), "{:?}", check_echo(&echo));
        let inside =
            item("N", Kind::Single, "18个月以上可混合编班，每班不超过（  ）", &["15人", "180人", "20人", "25人"], "B");
        assert!(check_echo(&inside).is_empty());
        assert_eq!(numbers("腋温37.5℃，18个月。"), ["37.5", "18"]);
    }

    #[test]
    fn a_multiple_choice_item_keyed_on_every_option_is_all_of_the_above() {
        let all = item("M", Kind::Multiple, "清点人数的时机有（  ）", &["出发前", "返回后", "疏散后"], "ABC");
        assert_eq!(codes(&check_all_of_the_above(&all)), ["all-of-the-above"]);
        let fair = item("M", Kind::Multiple, "清点人数的时机有（  ）", &["出发前", "返回后", "疏散后"], "AB");
        assert!(check_all_of_the_above(&fair).is_empty());
    }

    #[test]
    fn a_word_only_ever_in_the_key_across_the_bank_is_a_cue() {
        let mut items: Vec<Item> = (0..CUE_MIN_ITEMS)
            .map(|n| {
                item(&format!("C{n}"), Kind::Single, "题干", &["及时报告园长", "甲甲甲甲", "乙乙乙乙", "丙丙丙丙"], "A")
            })
            .collect();
        let report = lint(&items, &[]);
        let cue = report.summary.cue_words.iter().find(|c| c.word == "报告").expect("报告 is a cue");
        assert_eq!((cue.direction, cue.key_only.len()), ("cue", CUE_MIN_ITEMS));
        assert_eq!(report.summary.counts.get("cue-word"), Some(&CUE_MIN_ITEMS));
        // The same word in a distractor of half the items: no longer telling.
        for item in items.iter_mut().take(CUE_MIN_ITEMS / 2) {
            item.answer = "B".to_owned();
        }
        assert!(cue_words(&items).iter().all(|c| c.word != "报告"));
    }

    #[test]
    fn a_review_sets_its_flag_apart_and_a_stale_review_is_named() {
        let echo =
            item("E", Kind::Single, "婴儿辅食添加的顺序是（  ）", &["先辅食后奶", "由少到多", "先肉后菜", "随意"], "A");
        let open = lint(std::slice::from_ref(&echo), &[]);
        assert_eq!(open.summary.flagged, 1);
        let reviews = [
            Review { id: "E".into(), code: "echo".into(), reason: "考查对象本身".into() },
            Review { id: "E".into(), code: "longest-key".into(), reason: "长度已平衡".into() },
            Review { id: "GONE".into(), code: "echo".into(), reason: "旧题".into() },
        ];
        let report = lint(&[echo], &reviews);
        let flagged = &report.items[0];
        assert!(flagged.flags.iter().all(|f| f.code != "echo" && f.code != "longest-key"), "{flagged:?}");
        assert!(flagged.reviewed.iter().any(|r| r.code == "echo" && r.review == "考查对象本身"));
        assert_eq!(report.summary.reviewed, flagged.reviewed.len());
        assert_eq!(report.summary.counts.get("echo"), None);
        assert_eq!(report.summary.flagged, usize::from(!flagged.flags.is_empty()));
        assert_eq!(report.summary.stale_reviews, ["GONE echo"]);
    }

    #[test]
    fn reviews_file_names_the_line_of_each_bad_entry() {
        let good = "[[review]]\nid = \"E\"\ncode = \"echo\"\nreason = \"考查对象本身\"\n";
        assert_eq!(parse_reviews("r.toml", good).unwrap().len(), 1);
        let bad = format!("{good}\n[[review]]\nid = \"F\"\ncode = \"echoes\"\nreason = \"\"\n\n{good}");
        let messages = |p: Problems| p.into_errors().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n");
        let problems = messages(parse_reviews("r.toml", &bad).unwrap_err());
        assert!(problems.contains("r.toml:6: 不认识的提示代码「echoes」"), "{problems}");
        assert!(problems.contains("r.toml:6: reason 不能为空"), "{problems}");
        assert!(problems.contains("r.toml:11: E 的 echo 已复核过一次"), "{problems}");
        let unknown = parse_reviews("r.toml", "[[review]]\nid = \"E\"\ncode = \"echo\"\nreason = \"x\"\nby = \"me\"\n");
        assert!(messages(unknown.unwrap_err()).contains("不认识的字段"));
    }
}
