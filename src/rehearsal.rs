//! Rehearsal data: plausible answers for fictional sittings, so an exam office can try
//! the whole workflow (and we can test it) before the real day.
//!
//! Model: each candidate has an ability drawn from N(0.4, 0.9²) — trained candidates,
//! somewhat above the bank's calibration (a stream per exam number, so
//! adding a candidate changes nobody else's answers); the chance of answering an item
//! right is the logistic of the item's logit facility plus 1.3 × ability, so harder
//! items are answered right less often and abler candidates more often. About 2% of
//! answers are left blank. Deterministic from the seed. No I/O here.

use crate::answer;
use crate::assemble::default_facility;
use crate::db::PaperView;
use crate::rng::Rng;
use crate::vocabulary::Kind;

/// A question as the simulation sees it.
#[derive(Debug, Clone)]
pub struct SimQuestion {
    pub kind: Kind,
    pub options: usize,
    pub key: String,
    pub facility: f64,
}

/// A paper as the simulation sees it.
#[derive(Debug, Clone)]
pub struct PaperModel {
    pub questions: Vec<SimQuestion>,
}

impl PaperModel {
    pub fn of(paper: &PaperView) -> PaperModel {
        PaperModel {
            questions: paper
                .items
                .iter()
                .map(|i| SimQuestion {
                    kind: i.item.item.kind,
                    options: i.option_order.len(),
                    key: i.answer.clone(),
                    facility: i.item.item.facility.unwrap_or_else(|| default_facility(i.item.item.difficulty)),
                })
                .collect(),
        }
    }
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut Rng) -> f64 {
    let u1 = rng.unit().max(f64::MIN_POSITIVE);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Chance that a candidate of `ability` answers an item of `facility` right.
pub fn chance(facility: f64, ability: f64) -> f64 {
    let f = facility.clamp(0.02, 0.98);
    let logit = (f / (1.0 - f)).ln() + 1.3 * ability;
    1.0 / (1.0 + (-logit).exp())
}

/// One candidate's answers to `paper`, as they would be typed into a response file.
pub fn theory_answers(seed: u64, exam_no: &str, paper: &PaperModel) -> Vec<String> {
    let mut rng = Rng::new(seed, &format!("simulate/theory/{exam_no}"));
    let ability = 0.4 + 0.9 * normal(&mut rng);
    paper
        .questions
        .iter()
        .map(|q| {
            if rng.unit() < 0.02 {
                return String::new();
            }
            let right = rng.unit() < chance(q.facility, ability);
            match q.kind {
                Kind::Judge => {
                    let key = q.key == "对";
                    answer::judge_label(if right { key } else { !key }).to_owned()
                }
                Kind::Single | Kind::Multiple if right => q.key.clone(),
                Kind::Single => {
                    let key = answer::parse_choices(&q.key, q.options).unwrap_or_default();
                    let wrong: Vec<usize> = (0..q.options).filter(|i| !key.contains(i)).collect();
                    if wrong.is_empty() {
                        q.key.clone()
                    } else {
                        answer::letters(&[wrong[rng.below(wrong.len() as u64) as usize]])
                    }
                }
                Kind::Multiple => {
                    // Half the misses are an incomplete key, half include a wrong option.
                    let key = answer::parse_choices(&q.key, q.options).unwrap_or_default();
                    let mut chosen: Vec<usize> = key.iter().copied().filter(|_| rng.below(3) > 0).collect();
                    if rng.below(2) == 0 || chosen.is_empty() {
                        let wrong: Vec<usize> = (0..q.options).filter(|i| !key.contains(i)).collect();
                        if let Some(&w) = wrong.get(rng.below(wrong.len().max(1) as u64) as usize) {
                            chosen.push(w);
                        }
                    }
                    chosen.sort_unstable();
                    chosen.dedup();
                    if chosen == key || chosen.is_empty() {
                        answer::letters(&key[..1])
                    } else {
                        answer::letters(&chosen)
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper() -> PaperModel {
        PaperModel {
            questions: (0..60)
                .map(|i| SimQuestion {
                    kind: [Kind::Judge, Kind::Single, Kind::Multiple][i % 3],
                    options: if i % 3 == 0 { 0 } else { 4 },
                    key: ["对", "B", "ACD"][i % 3].into(),
                    facility: if i < 30 { 0.85 } else { 0.40 },
                })
                .collect(),
        }
    }

    #[test]
    fn harder_items_are_answered_right_less_often() {
        let paper = paper();
        let (mut easy, mut hard) = (0, 0);
        for c in 0..400 {
            let answers = theory_answers(1, &format!("E{c}"), &paper);
            for (i, a) in answers.iter().enumerate() {
                if *a == paper.questions[i].key {
                    if i < 30 { easy += 1 } else { hard += 1 }
                }
            }
        }
        assert!(easy > hard + 2000, "easy {easy}, hard {hard}");
    }

    #[test]
    fn same_seed_same_answers_and_every_answer_is_valid() {
        let paper = paper();
        assert_eq!(theory_answers(5, "X1", &paper), theory_answers(5, "X1", &paper));
        assert_ne!(theory_answers(5, "X1", &paper), theory_answers(6, "X1", &paper));
        for a in theory_answers(5, "X2", &paper).iter().zip(&paper.questions) {
            match a.1.kind {
                Kind::Judge => assert!(a.0.is_empty() || a.0 == "对" || a.0 == "错"),
                _ => assert!(a.0.is_empty() || answer::parse_choices(a.0, 4).is_ok()),
            }
        }
        assert!((chance(0.65, 0.0) - 0.65).abs() < 1e-9);
    }
}

/// Examiners of rehearsal data: six people in rotating panels of three.
pub const EXAMINERS: [&str; 6] = ["王考评", "李考评", "张考评", "刘考评", "陈考评", "杨考评"];

/// One examiner's rehearsal entry for one task: (step id, points) and vetoes marked.
#[derive(Debug, Clone, PartialEq)]
pub struct SimEntry {
    pub examiner: &'static str,
    pub steps: Vec<(String, f64)>,
    pub vetoes: Vec<String>,
}

/// Plausible entries of `examiners` examiners for one candidate's task: the candidate's
/// true quality, each examiner's own leniency and a little noise per step, in half
/// points. About one task in fifty is vetoed by a majority, one in fifty by a single
/// examiner only.
pub fn practical_entries(
    seed: u64,
    exam_no: &str,
    rubric: &crate::rubric::Rubric,
    panel: usize,
    examiners: usize,
) -> Vec<SimEntry> {
    let mut rng = Rng::new(seed, &format!("simulate/practical/{exam_no}/{}", rubric.id));
    let quality = (0.78 + 0.12 * normal(&mut rng)).clamp(0.2, 1.0);
    let veto_draw = rng.unit();
    (0..examiners)
        .map(|k| {
            let examiner = EXAMINERS[(panel + k) % EXAMINERS.len()];
            // A fixed leniency per examiner, the same in every task.
            let leniency = [0.0, 0.02, -0.02, 0.01, -0.01, 0.03][(panel + k) % EXAMINERS.len()];
            let steps = rubric
                .steps()
                .map(|step| {
                    let f = (quality + leniency + 0.05 * normal(&mut rng)).clamp(0.0, 1.0);
                    (step.id.clone(), (step.points * f * 2.0).round() / 2.0)
                })
                .collect();
            let vetoed = match rubric.vetoes.first() {
                Some(_) if veto_draw < 0.02 => k < examiners / 2 + 1,
                Some(_) if veto_draw < 0.04 => k == 0,
                _ => false,
            };
            SimEntry { examiner, steps, vetoes: if vetoed { vec![rubric.vetoes[0].id.clone()] } else { Vec::new() } }
        })
        .collect()
}
