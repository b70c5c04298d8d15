//! Rooms and seats (考场与座位) and how many invigilators (监考员) each room needs.
//!
//! Guarantees: a plan by size fills room 1 seats 1..size, then room 2, … in exam-number
//! order, so neighbours by number sit side by side; a plan from the candidate file is
//! used only when every candidate has both a room and a seat, and no seat is given
//! twice; a room needs [`invigilators`] = at least 2, and at least 1 per 15 candidates.
//! No I/O here.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

/// The largest room `--size` accepts.
pub const MAX_SIZE: usize = 100;
/// Candidates one invigilator may watch.
pub const PER_INVIGILATOR: usize = 15;
/// Invigilators every room has, however small.
pub const MIN_INVIGILATORS: usize = 2;

/// Headers of the candidate file's extra columns that give the room, and the seat.
const ROOM_HEADERS: [&str; 3] = ["考场", "考场号", "room"];
const SEAT_HEADERS: [&str; 4] = ["座位号", "座位", "座号", "seat"];

/// One candidate's place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub exam_no: String,
    pub room: String,
    pub seat: String,
}

/// A session's rooms and seats as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// "size" (assigned by `--size`) or "file" (the candidate file's columns).
    pub source: String,
    pub size: Option<usize>,
    /// Ordered by room, then seat.
    pub seats: Vec<Seat>,
}

/// One room of a plan.
pub struct Room<'a> {
    pub name: &'a str,
    pub seats: Vec<&'a Seat>,
}

/// Invigilators a room of `candidates` needs.
pub fn invigilators(candidates: usize) -> usize {
    MIN_INVIGILATORS.max(candidates.div_ceil(PER_INVIGILATOR))
}

/// Refuses a room size that cannot be right, saying why.
pub fn check_size(size: usize) -> Result<(), String> {
    match size {
        0 => Err("--size 是每个考场的座位数，不能是 0；常见的是 30".to_owned()),
        n if n > MAX_SIZE => Err(format!(
            "--size {n} 太大：一个考场最多 {MAX_SIZE} 个座位（每 {PER_INVIGILATOR} 名考生须 1 名监考员）；请分成更多考场"
        )),
        _ => Ok(()),
    }
}

/// Seats by size: `exam_nos` (already in exam-number order) fill room 1 first.
pub fn by_size(exam_nos: &[&str], size: usize) -> Plan {
    let seats = exam_nos
        .iter()
        .enumerate()
        .map(|(i, e)| Seat {
            exam_no: (*e).to_owned(),
            room: (i / size + 1).to_string(),
            seat: (i % size + 1).to_string(),
        })
        .collect();
    Plan { source: "size".into(), size: Some(size), seats }
}

fn first_of(extra: &BTreeMap<String, String>, headers: &[&str]) -> Option<String> {
    extra
        .iter()
        .find(|(header, value)| headers.iter().any(|h| h.eq_ignore_ascii_case(header.trim())) && !value.is_empty())
        .map(|(_, value)| value.trim().to_owned())
}

/// Seats from the candidate file's room and seat columns: `None` when no candidate has
/// them; every problem (a candidate missing one, a seat given twice) when some do.
pub fn from_file(candidates: &[(&str, BTreeMap<String, String>)]) -> Option<Result<Plan, Vec<String>>> {
    let places: Vec<(&str, Option<String>, Option<String>)> = candidates
        .iter()
        .map(|(exam_no, extra)| (*exam_no, first_of(extra, &ROOM_HEADERS), first_of(extra, &SEAT_HEADERS)))
        .collect();
    if places.iter().all(|(_, room, seat)| room.is_none() && seat.is_none()) {
        return None;
    }
    let mut problems = Vec::new();
    let mut taken = HashSet::new();
    let mut seats = Vec::new();
    for (exam_no, room, seat) in places {
        match (room, seat) {
            (Some(room), Some(seat)) => {
                if !taken.insert((room.clone(), seat.clone())) {
                    problems.push(format!("考生 {exam_no}：考场 {room} 座位 {seat} 已分给了另一名考生"));
                }
                seats.push(Seat { exam_no: exam_no.to_owned(), room, seat });
            }
            (None, _) => problems.push(format!("考生 {exam_no}：名单里没有填考场")),
            (_, None) => problems.push(format!("考生 {exam_no}：名单里没有填座位号")),
        }
    }
    if !problems.is_empty() {
        return Some(Err(problems));
    }
    seats.sort_by(|a, b| crate::db::exam_order(&a.room, &b.room).then_with(|| crate::db::exam_order(&a.seat, &b.seat)));
    Some(Ok(Plan { source: "file".into(), size: None, seats }))
}

impl Plan {
    /// The rooms in order, each with its seats.
    pub fn rooms(&self) -> Vec<Room<'_>> {
        let mut rooms: Vec<Room<'_>> = Vec::new();
        for seat in &self.seats {
            match rooms.last_mut() {
                Some(room) if room.name == seat.room => room.seats.push(seat),
                _ => rooms.push(Room { name: &seat.room, seats: vec![seat] }),
            }
        }
        rooms
    }

    /// Where `exam_no` sits, if the plan has them.
    pub fn seat_of(&self, exam_no: &str) -> Option<&Seat> {
        self.seats.iter().find(|s| s.exam_no == exam_no)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_per_room_and_one_per_fifteen() {
        assert_eq!(invigilators(1), 2);
        assert_eq!(invigilators(30), 2);
        assert_eq!(invigilators(31), 3);
        assert_eq!(invigilators(46), 4);
    }

    #[test]
    fn size_fills_rooms_in_order() {
        let numbers: Vec<String> = (1..=31).map(|i| format!("E{i:03}")).collect();
        let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
        let plan = by_size(&refs, 30);
        let rooms = plan.rooms();
        assert_eq!(rooms.len(), 2);
        assert_eq!((rooms[0].seats.len(), rooms[1].seats.len()), (30, 1));
        assert_eq!(plan.seat_of("E031").unwrap(), &Seat { exam_no: "E031".into(), room: "2".into(), seat: "1".into() });
        assert!(check_size(0).is_err() && check_size(101).is_err() && check_size(100).is_ok());
    }

    #[test]
    fn file_columns_are_all_or_nothing() {
        let extra = |room: &str, seat: &str| {
            BTreeMap::from([("考场".to_owned(), room.to_owned()), ("座位号".to_owned(), seat.to_owned())])
        };
        assert!(from_file(&[("E1", BTreeMap::new())]).is_none());
        let plan = from_file(&[("E1", extra("2", "1")), ("E2", extra("1", "10")), ("E3", extra("1", "9"))]);
        let plan = plan.unwrap().unwrap();
        let order: Vec<&str> = plan.seats.iter().map(|s| s.exam_no.as_str()).collect();
        assert_eq!(order, ["E3", "E2", "E1"]);
        let problems = from_file(&[("E1", extra("1", "1")), ("E2", extra("1", "1")), ("E3", extra("", "3"))]);
        assert_eq!(problems.unwrap().unwrap_err().len(), 2);
    }
}
