#!/usr/bin/env bash
# The whole exam cycle on rehearsal data, as an exam office would run it:
# init → build-paper → session → candidates → assign → draw → simulate → score theory
# → grade practical → results → certificates → verify → pass lists → item analysis.
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
certify build-paper --blueprint "$here/blueprints/baoyushi-4.toml" --seed 2026 --out "$work" --json > build.json
papers=$(grep -oE 'P-[0-9]{8}-[0-9]{4}-[A-Z]+' build.json | sort -u | paste -sd, -)
echo "试卷：$papers"

step "3. 新建考试批次并导入考生名单"
session=2026-12-BJ01
certify session create --id "$session" --level 四级 --date 2026-12-05 --site "北京朝阳考点" --name "2026年12月保育师四级" \
    --practical "$here/practical-plan.toml"
certify candidates import --session "$session" "$here/candidates.csv"

step "3a. 名单更正：报名表上的姓名录错了（更正留有记录，见 session show --log）"
certify candidates update --session "$session" --exam-no 202612010002 --name 曹玉岚 --reason "报名表姓名笔误，考生持身份证核对"

step "4. 分配试卷（按准考证号轮流发 A、B 卷）"
certify session assign --session "$session" --papers "$papers"
echo "试卷和答题卡在 $work/试卷/（可交印刷厂），答案与解析在 $work/考务机密/（不要外发）"

step "4a. 分配考场和座位，输出准考证和签到表（加 .pdf 扩展名则用 Chromium 生成 PDF）"
certify session rooms --session "$session" --size 30
certify session tickets --session "$session" --out "$work/准考证.html"
certify session sign-in --session "$session" --out "$work/签到表.html"

step "5. 实操抽签（每人 1 个护理任务、1 个学前任务）"
certify practical draw --session "$session" --seed 2026

step "6. 生成演练数据（理论答卷、三位考评员的实操评分）"
certify simulate --session "$session" --seed 7 --out "$work/rehearsal"

step "7. 登记缺考，理论评分（缺考考生没有答卷）"
certify session mark --session "$session" --exam-no 202612010060 --part theory --status absent --reason "未到场"
grep -v '^202612010060,' "$work/rehearsal/theory-responses.csv" > "$work/rehearsal/theory-collected.csv"
certify score theory --session "$session" "$work/rehearsal/theory-collected.csv" | head -4

step "8. 导入实操评分，查看进度与考评员一致性"
certify grade import --session "$session" "$work/rehearsal/practical-grades.csv"
certify grade status --session "$session" --agreement | tail -12

step "8a. 登记违纪：理论考试中携带手机（违纪考生不发证书）"
certify session mark --session "$session" --exam-no 202612010003 --part theory --status misconduct --reason "考试中携带手机"

step "9. 考试结果（各培训机构汇总）"
certify results --session "$session" | tail -7
certify results --session "$session" | grep -E "缺考|违纪"

step "10. 生成签名密钥，签发证书"
certify keys generate --out "$work/keys"
certify certificates issue --session "$session" | head -6

step "10a. 成绩复核：考生对实操成绩提出复核，主考复核后更正，按新成绩重新签发证书"
holder=202612010001
task=$(certify practical show --session "$session" | grep " $holder " | grep -oE 'CARE-[A-Z]+-[0-9]+' | head -1)
appeal=$(certify --json appeal open --session "$session" --exam-no "$holder" --part practical --reason "对沐浴操作的扣分有异议" \
    | grep -oE '"id": [0-9]+' | grep -oE '[0-9]+')
certify appeal decide "$appeal" --outcome corrected --task "$task" --score 92 --note "回看录像，水温测试步骤已完成，不应扣分" --by 王主考
certify certificates list --stale --session "$session"
stale=$(certify --json certificates list --stale --session "$session" | grep -oE '"number": "[^"]+"' | head -1 | cut -d'"' -f4)
certify certificates reissue "$stale" --reason "复核更正实操成绩"
certify appeal list --session "$session"

step "11. 核验证书：在工作区中，以及只用证书文件、公钥和签名的撤销名单离线核验"
# The certificate reissued in 10a: the newest number of the session.
number=$(certify --json certificates list --session "$session" | grep -oE '"number": "[^"]+"' | tail -1 | cut -d'"' -f4)
certify verify "$number"
certify --json certificates show "$number" > "$work/certificate.json"
certify certificates revocations --out "$work/撤销名单.json"
CERTIFY_DB="$work/no-such-workspace.db" "$CERTIFY" verify --file "$work/certificate.json" \
    --public-key "$work/keys/signing-key.pub.pem" --revocations "$work/撤销名单.json"
certify certificates render "$number" --out "$work/certificate.html"

step "12. 导出合格名单（Excel 两张表：合格名单、汇总；每个培训机构一份 CSV）"
certify export pass-list --session "$session" --out "$work/合格名单.xlsx"
tail -n +2 "$here/candidates.csv" | cut -d, -f4 | sort -u | while read -r school; do
    certify export pass-list --session "$session" --school "$school" --out "$work/$school-合格名单.csv"
done


step "12a. 补考：只有一部分合格的考生，另一部分在保留期内沿用"
certify export retake-list --session "$session" --out "$work/补考名单.csv"
certify session create --id 2027-03-BJ02 --level 四级 --date 2027-03-06 --site "北京朝阳考点" --retake-of "$session" \
    --practical "$here/practical-plan.toml"
certify candidates import --session 2027-03-BJ02 "$work/补考名单.csv" | tail -3
certify session show 2026-12-BJ01 --log | tail -4

if [ "${CERTIFY_ANALYZE:-yes}" != "no" ]; then
    step "13. 试题分析：图文报告，并把校准难度系数写回题库"
    certify analyze --session "$session" --html "$work/试题分析报告.html" --update-bank | head -3
    certify bank list --flagged | tail -1
fi

printf '\n完成。工作区：%s\n' "$work"
