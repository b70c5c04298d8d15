#!/usr/bin/env bash
# The whole exam cycle on rehearsal data, as an exam office would run it:
# init → build-paper → session → candidates → assign → draw → simulate → score theory
# → grade practical → status.
#
#   bash examples/full-cycle.sh [WORK_DIR]
#
# CERTIFY names the program to run (default: the release build, made if needed).
# Everything is written into WORK_DIR (default: a new temporary folder).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
if [ -z "${CERTIFY:-}" ]; then
    (cd "$root" && cargo build --release --quiet)
    CERTIFY="$root/target/release/certify"
fi
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
cd "$work"
export CERTIFY_DB="$work/certify.db"
certify() { "$CERTIFY" "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "1. 建立工作区（载入内置题库）"
certify init --org-code 0001 --org-name "示例职业技能等级认定中心" --province 11 --site 000001

step "2. 按保育师四级组卷方案生成 A、B 两套试卷"
certify build-paper --blueprint "$here/blueprints/baoyushi-4.toml" --seed 2026 --out "$work/试卷" --json > build.json
papers=$(grep -oE 'P-[0-9]{8}-[0-9]{4}-[A-Z]+' build.json | sort -u | paste -sd, -)
echo "试卷：$papers"

step "3. 新建考试批次并导入考生名单"
session=2026-12-BJ01
certify session create --id "$session" --level 四级 --date 2026-12-05 --site "北京朝阳考点" --name "2026年12月保育师四级" \
    --practical "$here/practical-plan.toml"
certify candidates import --session "$session" "$here/candidates.csv"

step "4. 分配试卷（按准考证号轮流发 A、B 卷）"
certify session assign --session "$session" --papers "$papers"

step "5. 实操抽签（每人 1 个护理任务、1 个学前任务）"
certify practical draw --session "$session" --seed 2026

step "6. 生成演练数据（理论答卷、三位考评员的实操评分）"
certify simulate --session "$session" --seed 7 --out "$work/rehearsal"

step "7. 理论评分"
certify score theory --session "$session" "$work/rehearsal/theory-responses.csv"

step "8. 导入实操评分，查看进度与考评员一致性"
certify grade import --session "$session" "$work/rehearsal/practical-grades.csv"
certify grade status --session "$session" --agreement | tail -12

step "9. 查看批次"
certify session show "$session" | head -8

printf '\n完成。工作区：%s\n' "$work"
