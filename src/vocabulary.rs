//! The exam's fixed vocabulary: knowledge domains, item kinds, difficulty bands and
//! certificate levels, each with its stable code (used in JSON and the database) and
//! its Chinese label (used in every human-facing table and document).
//!
//! Guarantees: parsing accepts the code, the Chinese label and the common aliases an
//! exam office writes (`单选`, `易`, `初级工`), ignoring case and surrounding spaces;
//! `code()` and `label()` round-trip through `parse`. Nothing here does I/O.

use std::fmt;

/// Declares a closed vocabulary: variants with a code, a label and extra aliases.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($variant:ident => $code:literal, $label:literal $(, [$($alias:literal),*])?;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// What the value is called in error messages.
            pub const WHAT: &'static str = $what;

            /// The stable code used in JSON and in the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a code, label or alias; `None` when the text names nothing known.
            pub fn parse(text: &str) -> Option<Self> {
                let wanted = text.trim().to_lowercase();
                $(
                    if wanted == $code || wanted == $label $($(|| wanted == $alias)*)? {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// "a、b、c" list of accepted spellings for an error message.
            pub fn accepted() -> String {
                Self::ALL.iter().map(|v| format!("{}/{}", v.label(), v.code())).collect::<Vec<_>>().join("、")
            }
        }

        /// Serialized as its code, as the JSON contract says.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        /// Read from its code or any accepted spelling.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("不认识的{}「{}」；可写：{}", $what, text, $name::accepted()))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary! {
    /// Knowledge domain (职业功能 / 知识领域) of an item.
    Domain, "领域" {
        Ethics => "ethics", "职业道德";
        Policy => "policy", "政策法规";
        Feeding => "feeding", "营养喂养", ["营养与喂养", "喂养"];
        DailyCare => "daily-care", "生活照料", ["daily_care", "dailycare"];
        Hygiene => "hygiene", "卫生保健";
        Safety => "safety", "安全防护";
        Development => "development", "早期发展";
        Partnership => "partnership", "合作共育";
    }
}

vocabulary! {
    /// Item kind (题型).
    Kind, "题型" {
        Judge => "judge", "判断", ["判断题", "true-false"];
        Single => "single", "单选", ["单选题", "单项选择题", "单项选择"];
        Multiple => "multiple", "多选", ["多选题", "多项选择题", "多项选择"];
    }
}

vocabulary! {
    /// Difficulty band (难度).
    Difficulty, "难度" {
        Easy => "easy", "易", ["容易", "简单"];
        Medium => "medium", "中", ["中等", "适中"];
        Hard => "hard", "难", ["较难", "困难"];
    }
}

vocabulary! {
    /// Certificate level: the five 保育师 grades and the three 1+X 幼儿照护 grades.
    /// Level codes are the Chinese names themselves: that is how every document names them.
    Level, "等级" {
        Grade5 => "五级", "五级", ["初级工", "5级", "保育师五级"];
        Grade4 => "四级", "四级", ["中级工", "4级", "保育师四级"];
        Grade3 => "三级", "三级", ["高级工", "3级", "保育师三级"];
        Grade2 => "二级", "二级", ["技师", "2级", "保育师二级"];
        Grade1 => "一级", "一级", ["高级技师", "1级", "保育师一级"];
        XJunior => "初级", "初级", ["1+x初级", "幼儿照护初级"];
        XMiddle => "中级", "中级", ["1+x中级", "幼儿照护中级"];
        XSenior => "高级", "高级", ["1+x高级", "幼儿照护高级"];
    }
}

/// The occupation or certificate a level belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// 保育师 national occupational skill standard (occupation code 4-10-01-03).
    Baoyushi,
    /// 1+X 幼儿照护 vocational skill level certificate.
    YouerZhaohu,
}

impl Scheme {
    pub fn label(self) -> &'static str {
        match self {
            Scheme::Baoyushi => "保育师",
            Scheme::YouerZhaohu => "幼儿照护（1+X）",
        }
    }
}

impl Domain {
    /// Two characters, for table columns that must fit a terminal.
    pub fn short_label(self) -> &'static str {
        match self {
            Domain::Ethics => "道德",
            Domain::Policy => "政策",
            Domain::Feeding => "营养",
            Domain::DailyCare => "照料",
            Domain::Hygiene => "卫生",
            Domain::Safety => "安全",
            Domain::Development => "发展",
            Domain::Partnership => "共育",
        }
    }
}

impl Level {
    /// The level's bit in a stored level mask. Part of the database format: the
    /// positions in [`Level::ALL`] must never change.
    pub fn bit(self) -> i64 {
        1 << Level::ALL.iter().position(|&l| l == self).expect("every level is in ALL")
    }

    /// The mask of a set of levels.
    pub fn mask(levels: &[Level]) -> i64 {
        levels.iter().fold(0, |mask, level| mask | level.bit())
    }

    /// "五级、初级": levels as people list them.
    pub fn labels(levels: &[Level]) -> String {
        levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、")
    }

    pub fn scheme(self) -> Scheme {
        match self {
            Level::XJunior | Level::XMiddle | Level::XSenior => Scheme::YouerZhaohu,
            _ => Scheme::Baoyushi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_and_label_parses_back_to_its_value() {
        for d in Domain::ALL {
            assert_eq!(Domain::parse(d.code()), Some(*d));
            assert_eq!(Domain::parse(d.label()), Some(*d));
        }
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()), Some(*k));
            assert_eq!(Kind::parse(k.label()), Some(*k));
        }
        for b in Difficulty::ALL {
            assert_eq!(Difficulty::parse(b.code()), Some(*b));
            assert_eq!(Difficulty::parse(b.label()), Some(*b));
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Some(*l));
        }
    }

    #[test]
    fn aliases_exam_offices_write_are_understood() {
        assert_eq!(Kind::parse(" 单项选择题 "), Some(Kind::Single));
        assert_eq!(Kind::parse("MULTIPLE"), Some(Kind::Multiple));
        assert_eq!(Difficulty::parse("容易"), Some(Difficulty::Easy));
        assert_eq!(Level::parse("高级工"), Some(Level::Grade3));
        assert_eq!(Level::parse("1+X初级"), Some(Level::XJunior));
        assert_eq!(Domain::parse("营养与喂养"), Some(Domain::Feeding));
        assert_eq!(Domain::parse("cooking"), None);
    }

    #[test]
    fn level_bits_are_pinned() {
        // Stored in workspaces: changing these would misread every existing database.
        assert_eq!(Level::Grade5.bit(), 1);
        assert_eq!(Level::Grade1.bit(), 16);
        assert_eq!(Level::XSenior.bit(), 128);
        assert_eq!(Level::mask(&[Level::Grade5, Level::XJunior]), 1 | 32);
    }

    #[test]
    fn levels_belong_to_their_scheme() {
        assert_eq!(Level::Grade4.scheme(), Scheme::Baoyushi);
        assert_eq!(Level::XMiddle.scheme(), Scheme::YouerZhaohu);
    }
}
