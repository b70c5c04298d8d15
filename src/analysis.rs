//! Item and test statistics of scored theory sheets, as Moodle's quiz statistics and
//! classical test theory define them, plus the flags a bank keeper acts on.
//!
//! Definitions (n sheets of one paper, k questions, item i worth m_i points):
//! - facility = mean score ÷ m_i (omitted answers score 0);
//! - item–rest correlation = Pearson r between the item score and the total without it;
//! - discrimination index = (mean in the upper 27% − mean in the lower 27%) ÷ m_i, groups
//!   by total score (⌈0.27 n⌉ sheets each, ties broken by sheet order);
//! - omit rate = share of sheets with no answer;
//! - option shares: for choice (and judge) questions, the share of each group choosing
//!   each option (a multiple-choice answer chooses every letter it contains);
//! - test: mean, sample SD, median, min, max, Cronbach's α (= KR-20 for 0/1 items),
//!   SEM = SD × √(1 − α), and a histogram of totals.
//!
//! Guarantees: every figure that is undefined (no variance, too few sheets) is `None`,
//! never NaN; results depend only on the input; flags resting on fewer than
//! [`MIN_SHEETS`] sheets are marked provisional, with a Chinese reason
//! ([`sample_warning`]); figures print through [`fixed`], never as `-0.00`. No I/O here.

use serde::Serialize;

/// What the analysis needs of one question.
#[derive(Debug, Clone)]
pub struct Question {
    pub max: f64,
    /// Printed options (judge questions: 2, for 对 and 错).
    pub options: usize,
    /// Key as a bit mask of options, bit 0 = A (judge: bit 0 对, bit 1 错).
    pub key: u8,
}

/// One scored sheet: item scores and the options chosen per item as bit masks (0 =
/// omitted). Masks, not lists: 100,000 sheets × 100 items stay small.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub scores: Vec<f64>,
    pub chosen: Vec<u8>,
}

/// Why an item deserves a look.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    TooEasy,
    TooHard,
    WeakDiscrimination,
    /// A wrong option chosen more often by the upper group than by the lower.
    DistractorFavoursStrong,
    /// A wrong option more popular than the key in the upper group.
    KeyMayBeWrong,
}

impl Flag {
    pub fn label(&self) -> &'static str {
        match self {
            Flag::TooEasy => "过易（难度系数 > 0.95）",
            Flag::TooHard => "过难（难度系数 < 0.20）",
            Flag::WeakDiscrimination => "区分度弱（题总相关 < 0.15）",
            Flag::DistractorFavoursStrong => "干扰项高分组比低分组选得多",
            Flag::KeyMayBeWrong => "答案可能有误：高分组选某干扰项多于选答案",
        }
    }
}

/// Statistics of one item on one paper.
#[derive(Debug, Clone, Serialize)]
pub struct ItemStats {
    pub position: usize,
    pub n: usize,
    pub facility: f64,
    pub item_rest: Option<f64>,
    pub discrimination: Option<f64>,
    pub omit_rate: f64,
    /// Share choosing each option, upper and lower groups.
    pub upper_shares: Vec<f64>,
    pub lower_shares: Vec<f64>,
    pub flags: Vec<Flag>,
    /// The flags rest on fewer than [`MIN_SHEETS`] sheets.
    pub provisional: bool,
}

/// Statistics of the whole test.
#[derive(Debug, Clone, Serialize)]
pub struct TestStats {
    pub n: usize,
    pub max: f64,
    pub mean: f64,
    pub sd: f64,
    pub median: f64,
    pub min: f64,
    pub max_score: f64,
    pub kr20: Option<f64>,
    pub sem: Option<f64>,
    /// (lower bound, count) per bin of the totals; ten bins over 0..max.
    pub histogram: Vec<(f64, usize)>,
}

/// Below this many sheets an item's flags are provisional: shown, but not stored in the
/// bank as if final. Why 40: the upper and lower 27% groups then hold ⌈0.27 × 40⌉ = 11
/// sheets each (with fewer than 10, one candidate more or less moves the discrimination
/// index by over 0.1), and the chance spread of an item–rest correlation (standard error
/// ≈ 1/√n) is 0.16 — at 30 sheets 0.18, at 9 sheets 0.33, twice the 0.15 threshold of
/// [`Flag::WeakDiscrimination`]: a sound item (true r = 0.3) shows r < 0.15 about one time
/// in three at 9 sheets, one in six at 40. More would be safer still; 40 is a round number
/// just past the 34 that groups of 10 need, and sessions analysed together reach it.
pub const MIN_SHEETS: usize = 40;

/// Whether statistics resting on `n` sheets are too few to act on (see [`MIN_SHEETS`]).
pub fn provisional(n: usize) -> bool {
    n < MIN_SHEETS
}

/// Size of each of the upper and lower groups: ⌈27% of n⌉.
pub fn group_size(n: usize) -> usize {
    ((n as f64) * 0.27).ceil() as usize
}

/// Why the flags are provisional, in Chinese, when `provisional_items` of `items` items
/// rest on fewer than [`MIN_SHEETS`] sheets (`smallest_n` the fewest) out of `sheets` in
/// all; `None` when none do. An item counts only the sheets of the papers it is on, so
/// many sheets over several forms can still leave each item short.
pub fn sample_warning(sheets: usize, smallest_n: usize, provisional_items: usize, items: usize) -> Option<String> {
    if provisional_items == 0 {
        return None;
    }
    let why = format!(
        "{smallest_n} 人作答时高分组、低分组各只有 {} 人，题总相关的随机误差约 ±{}，\
         偶然因素就足以让一道好题被标记（或让有问题的题漏标）",
        group_size(smallest_n),
        fixed(1.0 / (smallest_n.max(1) as f64).sqrt(), 2)
    );
    let advice =
        format!("请勿仅凭这些标记停用或修改试题；合并更多批次（--session 可写多次）累积到 {MIN_SHEETS} 份以上再分析");
    Some(if provisional_items == items && sheets == smallest_n {
        format!("样本太少：只有 {smallest_n} 份答卷，少于 {MIN_SHEETS} 份，“需复核”标记只是初步的。{why}。{advice}。")
    } else if provisional_items == items {
        format!(
            "样本太少：{sheets} 份答卷分属不同试卷，每道题只统计做过它的人，\
             每道题的作答人数都少于 {MIN_SHEETS}（最少 {smallest_n} 人），“需复核”标记只是初步的。{why}。{advice}。"
        )
    } else {
        format!(
            "样本不足：{provisional_items} 道题作答人数少于 {MIN_SHEETS}（最少 {smallest_n} 人），\
             这些题的“需复核”标记只是初步的。{why}。{advice}。"
        )
    })
}

/// A figure with `decimals` decimals, for tables, reports and charts alike. Rounding can
/// leave a negative zero (−0.001 → "-0.00"), which reads as a sign that means something;
/// it prints as 0.
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') { text[1..].to_owned() } else { text }
}

/// [`fixed`], or "—" for a figure that is undefined.
pub fn shown(value: Option<f64>, decimals: usize) -> String {
    value.map(|v| fixed(v, decimals)).unwrap_or_else(|| "—".into())
}

/// The flags that follow from an item's facility and item–rest correlation: too easy
/// (> 0.95), too hard (< 0.20), weak discrimination (< 0.15).
pub fn difficulty_flags(facility: f64, item_rest: Option<f64>) -> Vec<Flag> {
    let mut flags = Vec::new();
    if facility > 0.95 {
        flags.push(Flag::TooEasy);
    }
    if facility < 0.20 {
        flags.push(Flag::TooHard);
    }
    if item_rest.is_some_and(|r| r < 0.15) {
        flags.push(Flag::WeakDiscrimination);
    }
    flags
}

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 }
}

/// Sample variance (n − 1).
pub fn variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64
}

/// Pearson correlation; `None` when either side has no variance.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    (sxx > 1e-12 && syy > 1e-12).then(|| sxy / (sxx * syy).sqrt())
}

/// Analyses the sheets of one paper.
pub fn analyse(questions: &[Question], sheets: &[Sheet]) -> (TestStats, Vec<ItemStats>) {
    let n = sheets.len();
    let k = questions.len();
    let totals: Vec<f64> = sheets.iter().map(|s| s.scores.iter().sum()).collect();
    let max: f64 = questions.iter().map(|q| q.max).sum();

    // Upper and lower 27% by total (stable: ties keep sheet order).
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| totals[b].total_cmp(&totals[a]));
    let group = group_size(n);
    let upper: Vec<usize> = order.iter().take(group).copied().collect();
    let lower: Vec<usize> = order.iter().rev().take(group).copied().collect();

    let mut item_variances = Vec::with_capacity(k);
    let mut items = Vec::with_capacity(k);
    for (i, q) in questions.iter().enumerate() {
        let scores: Vec<f64> = sheets.iter().map(|s| s.scores[i]).collect();
        let rest: Vec<f64> = totals.iter().zip(&scores).map(|(t, s)| t - s).collect();
        item_variances.push(variance(&scores));
        let facility = if q.max > 0.0 { mean(&scores) / q.max } else { 0.0 };
        let item_rest = pearson(&scores, &rest);
        let group_mean = |g: &[usize]| mean(&g.iter().map(|&s| scores[s]).collect::<Vec<_>>());
        let discrimination =
            (group > 0 && n >= 2 && q.max > 0.0).then(|| (group_mean(&upper) - group_mean(&lower)) / q.max);
        let omitted = sheets.iter().filter(|s| s.chosen[i] == 0 && s.scores[i] == 0.0).count();
        let shares = |g: &[usize]| -> Vec<f64> {
            (0..q.options)
                .map(|o| {
                    if g.is_empty() {
                        0.0
                    } else {
                        g.iter().filter(|&&s| sheets[s].chosen[i] & (1 << o) != 0).count() as f64 / g.len() as f64
                    }
                })
                .collect()
        };
        let (upper_shares, lower_shares) = (shares(&upper), shares(&lower));
        let mut flags = difficulty_flags(facility, item_rest);
        let distractors: Vec<usize> = (0..q.options).filter(|o| q.key & (1 << o) == 0).collect();
        if distractors.iter().any(|&o| upper_shares[o] > lower_shares[o] + 1e-12) {
            flags.push(Flag::DistractorFavoursStrong);
        }
        let weakest_key =
            (0..q.options).filter(|o| q.key & (1 << o) != 0).map(|o| upper_shares[o]).fold(f64::INFINITY, f64::min);
        if distractors.iter().any(|&o| upper_shares[o] > weakest_key + 1e-12) {
            flags.push(Flag::KeyMayBeWrong);
        }
        items.push(ItemStats {
            position: i + 1,
            n,
            facility,
            item_rest,
            discrimination,
            omit_rate: if n == 0 { 0.0 } else { omitted as f64 / n as f64 },
            upper_shares,
            lower_shares,
            flags,
            provisional: provisional(n),
        });
    }

    let total_variance = variance(&totals);
    let kr20 = (k >= 2 && total_variance > 1e-12)
        .then(|| (k as f64 / (k as f64 - 1.0)) * (1.0 - item_variances.iter().sum::<f64>() / total_variance));
    let sd = total_variance.sqrt();
    let mut sorted = totals.clone();
    sorted.sort_by(f64::total_cmp);
    let median = match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    };
    let width = if max > 0.0 { max / 10.0 } else { 1.0 };
    let mut histogram: Vec<(f64, usize)> = (0..10).map(|b| (b as f64 * width, 0)).collect();
    for t in &totals {
        let bin = ((t / width).floor() as usize).min(9);
        histogram[bin].1 += 1;
    }
    let test = TestStats {
        n,
        max,
        mean: mean(&totals),
        sd,
        median,
        min: sorted.first().copied().unwrap_or(0.0),
        max_score: sorted.last().copied().unwrap_or(0.0),
        kr20,
        sem: kr20.map(|a| sd * (1.0 - a).max(0.0).sqrt()),
        histogram,
    };
    (test, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(key: usize) -> Question {
        Question { max: 1.0, options: 4, key: 1 << key }
    }

    fn sheet(scores: &[f64], chosen: &[&[usize]]) -> Sheet {
        Sheet { scores: scores.to_vec(), chosen: chosen.iter().map(|c| c.iter().fold(0, |m, o| m | 1 << o)).collect() }
    }

    /// Four sheets, three one-point items (keys A, B, C). Worked by hand:
    /// scores        totals
    ///   1 1 1         3
    ///   1 1 0         2
    ///   1 0 0         1
    ///   0 0 0         0
    /// facility: 0.75, 0.5, 0.25.
    /// item 1 vs rest (2,1,0,0): mean x .75, mean y .75; sxy = .25*1.25+.25*.25+.25*(-.75)+(-.75)(-.75)
    ///   = .3125+.0625-.1875+.5625 = .75; sxx = .75; syy = 1.5625+.0625+.5625+.5625 = 2.75;
    ///   r = .75/√(.75·2.75) = .5222329679.
    /// item variances (n−1): .25, .3333…, .25 → Σ = .8333…; total variance = 1.6666…;
    ///   KR-20 = 3/2 · (1 − .8333/1.6667) = .75. SD = 1.2909944; SEM = SD·√.25 = .6454972.
    #[test]
    fn hand_computed_small_matrix() {
        let questions = vec![single(0), single(1), single(2)];
        let sheets = vec![
            sheet(&[1.0, 1.0, 1.0], &[&[0], &[1], &[2]]),
            sheet(&[1.0, 1.0, 0.0], &[&[0], &[1], &[3]]),
            sheet(&[1.0, 0.0, 0.0], &[&[0], &[3], &[]]),
            sheet(&[0.0, 0.0, 0.0], &[&[2], &[], &[]]),
        ];
        let (test, items) = analyse(&questions, &sheets);
        assert_eq!(test.n, 4);
        assert!((test.mean - 1.5).abs() < 1e-12);
        assert!((test.sd - 1.2909944487).abs() < 1e-9);
        assert_eq!((test.median, test.min, test.max_score), (1.5, 0.0, 3.0));
        assert!((test.kr20.unwrap() - 0.75).abs() < 1e-12);
        assert!((test.sem.unwrap() - 0.6454972244).abs() < 1e-9);
        assert_eq!([items[0].facility, items[1].facility, items[2].facility], [0.75, 0.5, 0.25]);
        assert!((items[0].item_rest.unwrap() - 0.5222329679).abs() < 1e-9);
        // Upper 27% of 4 = ⌈1.08⌉ = 2 sheets: the first two; lower: the last two.
        assert_eq!(items[0].discrimination, Some(0.5));
        assert_eq!(items[1].discrimination, Some(1.0));
        assert_eq!(items[2].omit_rate, 0.5);
        assert_eq!(items[1].omit_rate, 0.25);
        assert_eq!(items[2].upper_shares, vec![0.0, 0.0, 0.5, 0.5]);
    }

    /// Mixed points with an omitted answer: item 2 is worth 2 points (partial credit 1).
    /// scores: (1,2) (0,1) (1,0) omitted second → totals 3,1,1.
    /// item variances: [1/3, 1] → Σ 4/3; totals variance: mean 5/3, SS = 16/9+4/9+4/9 = 24/9,
    /// var = 4/3; α = 2·(1 − (4/3)/(4/3)) = 0.
    #[test]
    fn mixed_points_and_omissions() {
        let questions = vec![single(0), Question { max: 2.0, options: 4, key: 0b11 }];
        let sheets = vec![
            sheet(&[1.0, 2.0], &[&[0], &[0, 1]]),
            sheet(&[0.0, 1.0], &[&[1], &[0]]),
            sheet(&[1.0, 0.0], &[&[0], &[]]),
        ];
        let (test, items) = analyse(&questions, &sheets);
        assert!((test.kr20.unwrap() - 0.0).abs() < 1e-12, "{:?}", test.kr20);
        assert!((items[1].facility - 0.5).abs() < 1e-12);
        assert!((items[1].omit_rate - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(test.max, 3.0);
    }

    #[test]
    fn figures_never_print_negative_zero() {
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.0, 2), "0.00");
        assert_eq!(fixed(-0.0004, 3), "0.000");
        assert_eq!(fixed(-0.4, 0), "0");
        assert_eq!(fixed(-0.006, 2), "-0.01");
        assert_eq!(fixed(0.125, 1), "0.1");
        assert_eq!(fixed(-10.0, 2), "-10.00");
        assert_eq!(shown(None, 2), "—");
        assert_eq!(shown(Some(-0.0), 2), "0.00");
    }

    /// Nine sheets: every item's flags are provisional and the warning says why, with the
    /// group size and the chance spread of a correlation at that n.
    #[test]
    fn small_samples_make_flags_provisional() {
        let questions = vec![single(0), single(1)];
        let sheets: Vec<Sheet> = (0..9)
            .map(|i| sheet(&[if i < 5 { 1.0 } else { 0.0 }, if i % 2 == 0 { 1.0 } else { 0.0 }], &[&[0], &[1]]))
            .collect();
        let (_, items) = analyse(&questions, &sheets);
        assert!(items.iter().all(|i| i.provisional));
        let warning = sample_warning(9, 9, 2, 2).unwrap();
        assert!(warning.contains("只有 9 份答卷") && warning.contains("各只有 3 人"), "{warning}");
        assert!(warning.contains("±0.33") && warning.contains("40"), "{warning}");
        let forms = sample_warning(60, 30, 90, 90).unwrap();
        assert!(forms.contains("60 份答卷分属不同试卷") && forms.contains("最少 30 人"), "{forms}");
        let partial = sample_warning(90, 30, 5, 90).unwrap();
        assert!(partial.contains("5 道题") && partial.contains("最少 30 人"), "{partial}");
        assert_eq!(sample_warning(40, 40, 0, 90), None);
        // The threshold's own reason: 11 per group at 40 sheets, under 10 below 34.
        assert_eq!((group_size(MIN_SHEETS), group_size(33)), (11, 9));
        assert!(!provisional(MIN_SHEETS) && provisional(MIN_SHEETS - 1));
    }

    #[test]
    fn flags_say_why() {
        // Everyone right: too easy; no variance: no correlation.
        let questions = vec![single(0), single(1)];
        let sheets: Vec<Sheet> = (0..10)
            .map(|i| sheet(&[1.0, if i < 5 { 1.0 } else { 0.0 }], &[&[0], &[if i < 5 { 1 } else { 2 }]]))
            .collect();
        let (_, items) = analyse(&questions, &sheets);
        assert_eq!(items[0].flags, vec![Flag::TooEasy]);
        assert_eq!(items[0].item_rest, None);
        // A key nobody strong picks: the upper group prefers option C.
        let questions = vec![single(0), single(0)];
        let sheets: Vec<Sheet> = (0..20)
            .map(|i| {
                let strong = i < 10;
                sheet(
                    &[if strong { 1.0 } else { 0.0 }, if strong { 0.0 } else { 1.0 }],
                    &[&[if strong { 0 } else { 1 }], &[if strong { 2 } else { 0 }]],
                )
            })
            .collect();
        let (_, items) = analyse(&questions, &sheets);
        assert!(items[1].flags.contains(&Flag::KeyMayBeWrong), "{:?}", items[1].flags);
        assert!(items[1].flags.contains(&Flag::DistractorFavoursStrong));
        assert!(items[1].flags.contains(&Flag::WeakDiscrimination));
    }

    /// A second, independently written computation (covariance-matrix form, one pass of
    /// sums) agrees with `analyse` to 1e-9 on a 500 × 40 simulated matrix with mixed
    /// points and omissions.
    #[test]
    fn agrees_with_an_independent_computation() {
        let mut rng = crate::rng::Rng::new(3, "test/analysis");
        let k = 40;
        let questions: Vec<Question> = (0..k)
            .map(|i| Question { max: if i % 5 == 0 { 2.0 } else { 1.0 }, options: 4, key: 1 << (i % 4) })
            .collect();
        let sheets: Vec<Sheet> = (0..500)
            .map(|_| {
                let ability = rng.unit();
                let scores: Vec<f64> = questions
                    .iter()
                    .map(|q| {
                        let u = rng.unit();
                        if u < 0.05 {
                            0.0
                        } else if u < ability {
                            q.max
                        } else if q.max > 1.0 && u < ability + 0.1 {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let chosen = scores.iter().map(|&s| if s > 0.0 { 1 } else { 0 }).collect();
                Sheet { scores, chosen }
            })
            .collect();
        let (test, items) = analyse(&questions, &sheets);

        let n = sheets.len() as f64;
        let mut sum = vec![0.0; k];
        let mut cross = vec![vec![0.0; k]; k];
        for s in &sheets {
            for (a, row) in cross.iter_mut().enumerate() {
                sum[a] += s.scores[a];
                for (b, cell) in row.iter_mut().enumerate() {
                    *cell += s.scores[a] * s.scores[b];
                }
            }
        }
        let cov = |a: usize, b: usize| (cross[a][b] - sum[a] * sum[b] / n) / (n - 1.0);
        let total_var: f64 = (0..k).flat_map(|a| (0..k).map(move |b| (a, b))).map(|(a, b)| cov(a, b)).sum();
        let item_var: f64 = (0..k).map(|a| cov(a, a)).sum();
        let alpha = k as f64 / (k as f64 - 1.0) * (1.0 - item_var / total_var);
        assert!((test.kr20.unwrap() - alpha).abs() < 1e-9, "{} vs {alpha}", test.kr20.unwrap());
        for i in 0..k {
            let facility = sum[i] / n / questions[i].max;
            assert!((items[i].facility - facility).abs() < 1e-9);
            // cov(item, rest) = Σ_b cov(i, b) − var(i); var(rest) = total − 2 Σ_b cov(i,b) + var(i).
            let row: f64 = (0..k).map(|b| cov(i, b)).sum();
            let cov_rest = row - cov(i, i);
            let var_rest = total_var - 2.0 * row + cov(i, i);
            let r = cov_rest / (cov(i, i) * var_rest).sqrt();
            assert!((items[i].item_rest.unwrap() - r).abs() < 1e-9, "item {i}");
        }
    }
}
