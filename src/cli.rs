//! The command line: global options and every command, as clap derive types.
//!
//! Names here are a contract users script against (see CLI.md): commands, flags and
//! their meanings only ever grow. Help text is for exam offices, in Chinese.
//!
//! Guarantees: [`parse_from`] is the only way in; it speaks Chinese for clap too. The
//! help headings, the help and version flags and usage errors are ours; the few words
//! clap hard-codes into help (the help subcommand's line, `[OPTIONS]`, `[default: …]`)
//! are translated in the rendered text. Exit codes stay clap's: 0 for --help and
//! --version, 2 for a usage error.
//!
//! Text given on the command line (names, schools, reasons, notes) goes through
//! [`parse_line`] or [`parse_text`]: a control character, and in one-line values a line
//! break or tab, is bad input (exit 1, naming the flag) refused before any command runs.

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::import::{self, TextEncoding};
use crate::vocabulary::{Difficulty, Domain, Kind, Level};

#[derive(Debug, Parser)]
#[command(
    name = "certify",
    version,
    about = "保育师与 1+X 幼儿照护考试工具：题库、组卷、评分、证书，全部离线，一个数据库文件",
    long_about = None,
    after_help = "先运行 `certify init` 建立工作区；每个命令都可加 --help 查看说明。"
)]
pub struct Cli {
    /// 工作区数据库文件（不存在时自动新建）
    #[arg(long, global = true, env = "CERTIFY_DB", default_value = "certify.db", value_name = "PATH")]
    pub db: PathBuf,

    /// 以 JSON 输出结果（供脚本使用）；错误信息仍写到 stderr
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 建立工作区（数据库）并载入内置题库；重复运行不会改动已有内容
    Init(InitArgs),
    /// 查看或修改工作区设置（机构代码、省份、站点等）
    #[command(subcommand)]
    Config(ConfigCommand),
    /// 题库：导入、查看、统计、导出、停用试题
    #[command(subcommand)]
    Bank(BankCommand),
    /// 组卷方案：检查方案能否用现有题库组卷
    #[command(subcommand)]
    Blueprint(BlueprintCommand),
    /// 按组卷方案生成 A/B 等平行试卷，并输出试卷、答题卡、答案与解析
    BuildPaper(BuildPaperArgs),
    /// 已生成的试卷：列表、查看、重新输出、更正答案
    #[command(subcommand)]
    Paper(PaperCommand),
    /// 考试批次：新建、列表、查看、分配试卷
    #[command(subcommand)]
    Session(SessionCommand),
    /// 考生名单：导入、列表、更正、退考、转批次
    #[command(subcommand)]
    Candidates(CandidatesCommand),
    /// 评分：导入理论考试答卷并评分
    #[command(subcommand)]
    Score(ScoreCommand),
    /// 生成演练数据：为批次内考生模拟答卷，供考前演练整个流程
    Simulate(SimulateArgs),
    /// 实操评分表：导入、列表、查看
    #[command(subcommand)]
    Rubric(RubricCommand),
    /// 实操考核：抽签、查看抽签结果
    #[command(subcommand)]
    Practical(PracticalCommand),
    /// 实操评分：考评员逐步录入（不带子命令），或 import / status / resolve
    Grade(GradeCommand),
    /// 成绩复核：登记考生的复核申请、作出结论（维持或更正成绩）、列出复核记录
    #[command(subcommand)]
    Appeal(AppealCommand),
    /// 考试结果：每位考生的理论、实操成绩和是否合格，以及各培训机构汇总
    Results {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 显示完整身份证号（默认打码）
        #[arg(long)]
        full_id: bool,
    },
    /// 签名密钥：生成证书签名用的 Ed25519 密钥对
    #[command(subcommand)]
    Keys(KeysCommand),
    /// 证书：签发、列表、查看、撤销、输出证书页面
    #[command(subcommand)]
    Certificates(CertificatesCommand),
    /// 核验证书：用证书编号（查工作区），或用证书文件和公钥离线核验
    Verify(VerifyArgs),
    /// 导出：培训机构合格名单
    #[command(subcommand)]
    Export(ExportCommand),
    /// 试题分析：难度、区分度、信度，各领域和各培训机构得分，可把校准结果写回题库
    Analyze(AnalyzeArgs),
    /// 考评员和考务人员：添加（给出一次性登录码）、列出、撤销，供 certify serve 登录
    #[command(subcommand)]
    Examiners(ExaminersCommand),
    /// 考场服务：在本机启动网页服务，考评员在同一 Wi-Fi 下用平板登录评分（Ctrl-C 停止）
    Serve(ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum ExaminersCommand {
    /// 添加考评员（默认）、考评组长（--chief）或监考员（--invigilator），显示一次性登录码（只显示这一次）
    Add {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 姓名（登录时填写，评分记录用这个名字）
        #[arg(long, value_parser = parse_line, value_name = "NAME")]
        name: String,
        /// 考评组长：可查看评分进度、一致性并仲裁
        #[arg(long, conflicts_with = "invigilator")]
        chief: bool,
        /// 监考员
        #[arg(long)]
        invigilator: bool,
    },
    /// 列出批次的考评员和考务人员（不显示登录码）
    List {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
    },
    /// 撤销某人的登录码，并让其已登录的设备立即退出
    Revoke {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 姓名
        #[arg(long, value_parser = parse_line, value_name = "NAME")]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 监听的地址和端口；默认 0.0.0.0:8080（本机所有网络），只给本机用时写 127.0.0.1:8080
    #[arg(long, default_value = "0.0.0.0:8080", value_name = "ADDR")]
    pub listen: String,
    /// 机考定时开考：今天到这个时刻（如 09:00）所有还没开考的考场自动开考；不写则由监考员在监考台上开考
    #[arg(long, value_name = "HH:MM")]
    pub exam_start: Option<String>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// 批次编号（可写多个：--session A --session B）
    #[arg(long, value_name = "ID", required_unless_present = "paper")]
    pub session: Vec<String>,
    /// 只分析这套试卷的答卷（可写多个）
    #[arg(long, value_name = "PAPER_ID")]
    pub paper: Vec<String>,
    /// 输出图文分析报告（HTML，含分数分布、难度—区分度散点图、领域 × 培训机构热力图）
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// 同时用 Chromium 把报告生成 PDF（需 --html）
    #[arg(long, requires = "html")]
    pub pdf: bool,
    /// 把每道题的校准难度系数和样本量（汇总全部批次）写回题库，并记录需复核的标记
    #[arg(long)]
    pub update_bank: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// 生成 Ed25519 密钥对：私钥 signing-key.pem（仅本人可读）和公钥 signing-key.pub.pem；不会覆盖已有文件
    Generate {
        /// 保存密钥的文件夹
        #[arg(long, default_value = "keys", value_name = "DIR")]
        out: PathBuf,
    },
    /// 生成个人信息密钥（32 个随机字节，一行 base64url，仅本人可读）：证书中的身份证号只以它为密钥的 HMAC 出现；
    /// 向同一区域登记平台报送的各站点须使用平台统一分发的同一把密钥（config set person-key 文件）
    PersonKey {
        /// 保存密钥的文件（默认：签名私钥所在文件夹中的 person-key.txt，或 keys/person-key.txt）
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertificatesCommand {
    /// 为批次内合格且尚无该等级有效证书的考生签发证书；重复运行不会重复签发
    Issue {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 私钥文件（默认用 keys generate 记录的私钥）
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// 列出证书
    List {
        /// 只列出该批次的证书
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// 只列出成绩已变动、需要复核的证书
        #[arg(long)]
        stale: bool,
    },
    /// 显示一张证书：签名内容、签名和公钥（--json 的输出可直接用于离线核验）
    Show {
        /// 证书编号
        #[arg(value_name = "NUMBER")]
        number: String,
    },
    /// 按考生现在的成绩重新签发：撤销原证书（写明原因）并签发新证书，在同一事务中完成；
    /// 也用于证书被撤销后确需补发的情况，以及 list --stale 列出的成绩已变动的证书
    Reissue {
        /// 原证书编号
        #[arg(value_name = "NUMBER")]
        number: String,
        /// 重新签发的原因（写入原证书的撤销原因）
        #[arg(long, value_parser = parse_text, value_name = "TEXT")]
        reason: String,
        /// 私钥文件（默认用 keys generate 记录的私钥）
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// 输出签名的撤销名单（JSON）：随证书一起分发，供他人离线核验时确认证书未被撤销
    Revocations {
        /// 输出文件（.json）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 私钥文件（默认用 keys generate 记录的私钥）
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// 撤销证书（保留记录、原因和日期）
    Revoke {
        /// 证书编号
        #[arg(value_name = "NUMBER")]
        number: String,
        /// 撤销原因
        #[arg(long, value_parser = parse_text, value_name = "TEXT")]
        reason: String,
    },
    /// 输出证书页面（含二维码、照片处和盖章处）：一张证书，或 --session 批次的全部有效证书（一个文件，每页一张）
    Render {
        /// 证书编号
        #[arg(value_name = "NUMBER", required_unless_present = "session", conflicts_with = "session")]
        number: Option<String>,
        /// 输出该批次的全部有效证书
        #[arg(long, value_name = "ID")]
        session: Option<String>,
        /// 输出文件：.html，或 .pdf（用 Chromium 生成）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 输出 .html 时同时用 Chromium 生成同名 PDF
        #[arg(long)]
        pdf: bool,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// 证书编号（在工作区中核验）
    #[arg(value_name = "NUMBER", required_unless_present = "file", conflicts_with = "file")]
    pub number: Option<String>,
    /// 证书文件（certificates show --json 的输出），离线核验，不需要工作区
    #[arg(long, value_name = "FILE", requires = "public_key")]
    pub file: Option<PathBuf>,
    /// 发证机构的公钥文件（signing-key.pub.pem）
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// 发证机构签名的撤销名单（certificates revocations 的输出）；不提供则不核对撤销情况
    #[arg(long, value_name = "FILE", requires = "file")]
    pub revocations: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// 导出合格名单（.xlsx：合格名单 + 汇总两张表；或 .csv）
    PassList {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 只导出该培训机构的考生
        #[arg(long, value_parser = parse_line, value_name = "NAME")]
        school: Option<String>,
        /// 输出文件（.xlsx 或 .csv）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 写入完整身份证号（默认打码）
        #[arg(long)]
        full_id: bool,
        /// 覆盖已存在的输出文件
        #[arg(long)]
        force: bool,
    },
    /// 导出补考名单（考生名单格式，含完整身份证号）：只有一部分合格、可以参加补考的考生，
    /// 直接用于 candidates import 导入以 --retake-of 新建的补考批次
    RetakeList {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 输出文件（.csv 或 .xlsx）
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 覆盖已存在的输出文件
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RubricCommand {
    /// 导入评分表文件或文件夹（.toml）；有任何错误则全部不导入
    Import {
        /// 评分表文件或文件夹
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// 列出评分表
    List {
        /// 只列出适用于该等级的
        #[arg(long, value_parser = parse_level, value_name = "L")]
        level: Option<Level>,
    },
    /// 显示一张评分表的全部步骤、分值、扣分规则和否决项
    Show {
        /// 任务编号，如 CARE-FEED-01
        #[arg(value_name = "TASK_ID")]
        id: String,
    },
    /// 输出一张空白的纸质评分记录表（考号、姓名留空），供没有平板的考点手工评分后录入
    Render {
        /// 任务编号，如 CARE-CHOKE-01
        #[arg(value_name = "TASK_ID")]
        id: String,
        /// 输出文件：.pdf（用 Chromium 生成）或 .html
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PracticalCommand {
    /// 每位考生按批次的实操方案随机抽取任务（按种子可复现，只能抽一次）
    Draw {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 随机种子；不写则随机生成并记录
        #[arg(long, value_name = "S")]
        seed: Option<u64>,
    },
    /// 查看批次的抽签结果
    Show {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GradeCommand {
    #[command(subcommand)]
    pub command: Option<GradeSubcommand>,
    #[command(flatten)]
    pub entry: GradeEntryArgs,
}

#[derive(Debug, Args)]
pub struct GradeEntryArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
    /// 准考证号
    #[arg(long, value_name = "EXAM_NO")]
    pub candidate: Option<String>,
    /// 任务编号（考生抽到的任务）
    #[arg(long, value_name = "TASK_ID")]
    pub task: Option<String>,
    /// 考评员姓名
    #[arg(long, value_parser = parse_line, value_name = "NAME")]
    pub examiner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GradeSubcommand {
    /// 批量导入评分（.csv / .xlsx：准考证号、任务、考评员、步骤、得分，或 否决）；有任何错误则全部不导入
    Import {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 评分文件
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// CSV 文件编码：auto 自动识别，或指定 utf-8、gbk
        #[arg(long, default_value = "auto", value_name = "ENCODING")]
        encoding: TextEncoding,
    },
    /// 评分进度：缺评、待仲裁、否决、每位考生的实操成绩
    Status {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 同时计算考评员一致性（ICC）和各考评员的宽严程度
        #[arg(long)]
        agreement: bool,
    },
    /// 仲裁：考评员分差过大的任务，由仲裁人给出最终分数
    Resolve {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 准考证号
        #[arg(long, value_name = "EXAM_NO")]
        candidate: String,
        /// 任务编号
        #[arg(long, value_name = "TASK_ID")]
        task: String,
        /// 仲裁分数（0–100）
        #[arg(long, value_name = "N")]
        score: f64,
        /// 仲裁人姓名
        #[arg(long, value_parser = parse_line, value_name = "NAME")]
        examiner: String,
        /// 仲裁理由（会记录下来）
        #[arg(long, value_parser = parse_text, value_name = "TEXT")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppealCommand {
    /// 登记复核申请：考生对理论或实操成绩有异议（写明原因）；输出复核编号
    Open(AppealOpenArgs),
    /// 作出复核结论：理论按现在的标准答案重新评分并逐题列出；实操更正时写明任务和新分数
    Decide(AppealDecideArgs),
    /// 列出复核申请及结论
    List {
        /// 只列这个批次的
        #[arg(long, value_name = "ID")]
        session: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AppealOpenArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 准考证号
    #[arg(long, value_name = "EXAM_NO")]
    pub exam_no: String,
    /// 复核哪一部分：theory 理论 / practical 实操
    #[arg(long, value_parser = ["theory", "practical"], value_name = "PART")]
    pub part: String,
    /// 申请复核的原因（会记录下来）
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct AppealDecideArgs {
    /// 复核编号（appeal open 输出的编号，或见 appeal list）
    #[arg(value_name = "ID")]
    pub id: i64,
    /// upheld 维持原成绩 / corrected 更正成绩
    #[arg(long, value_parser = ["upheld", "corrected"], value_name = "OUTCOME")]
    pub outcome: String,
    /// 实操更正：要更正的任务编号（须是考生抽到的任务）
    #[arg(long, value_name = "TASK_ID")]
    pub task: Option<String>,
    /// 实操更正：该任务的新分数（0–100），按仲裁记录
    #[arg(long, value_name = "N")]
    pub score: Option<f64>,
    /// 复核说明（会记录下来）
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub note: String,
    /// 复核人姓名
    #[arg(long, value_parser = parse_line, value_name = "NAME")]
    pub by: String,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// 新建考试批次
    Create(SessionCreateArgs),
    /// 列出所有考试批次
    List,
    /// 查看一个批次：考生、试卷、已评分和缺考情况
    Show {
        /// 批次编号
        #[arg(value_name = "ID")]
        id: String,
        /// 显示完整身份证号（默认打码）
        #[arg(long)]
        full_id: bool,
        /// 显示本批次的变更记录（谁、何时、为什么改了什么）
        #[arg(long)]
        log: bool,
    },
    /// 记录考生某一部分缺考或违纪（写明原因）：结果显示缺考 / 违纪，违纪者不签发证书
    Mark(SessionMarkArgs),
    /// 给考生分配试卷：按准考证号顺序轮流发 A、B 卷，相邻考生拿到不同的卷
    Assign(SessionAssignArgs),
    /// 分配考场和座位：按准考证号顺序排满第 1 考场再排第 2 考场；名单里有「考场」「座位号」列时按名单；
    /// 并按每考场至少 2 名、每 15 名考生至少 1 名算出所需监考员
    Rooms {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 每个考场的座位数（1–100）；名单里已有考场和座位号时可不写
        #[arg(long, value_name = "N")]
        size: Option<usize>,
    },
    /// 输出准考证（A4 每页两张）：照片框、准考证号、姓名、身份证号、考试时间、考场、座位、考场规则和二维码
    Tickets(SessionDocumentArgs),
    /// 输出签到表（每考场一份，前面附本考场座位表）：签名栏、缺考和违纪勾选框、监考员签名
    SignIn(SessionDocumentArgs),
    /// 输出纸质评分记录表：每位考生抽到的每个任务一张（考号、姓名、身份证号已填），每张另起一页
    ScoreSheets {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 输出文件：.pdf（用 Chromium 生成）或 .html
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// 印完整身份证号（默认打码）
        #[arg(long)]
        full_id: bool,
    },
    /// 设置或更换批次的实操考核方案（抽签前）
    SetPractical {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 实操考核方案（TOML 文件），示例见 examples/practical-plan.toml
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct SessionDocumentArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 输出文件：.pdf（用 Chromium 生成）或 .html
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// 印完整身份证号（默认打码）
    #[arg(long)]
    pub full_id: bool,
    /// 理论考试时间，印在准考证上，如 "2026-12-05 09:00–10:30"
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub theory_time: Option<String>,
    /// 实操考核时间，印在准考证上，如 "2026-12-05 13:30 起"
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub practical_time: Option<String>,
}

#[derive(Debug, Args)]
pub struct SessionCreateArgs {
    /// 批次编号，如 2026-11-BJ01
    #[arg(long, value_parser = parse_line, value_name = "ID")]
    pub id: String,
    /// 等级：五级 四级 三级 / 初级 中级 高级 等
    #[arg(long, value_parser = parse_level, value_name = "LEVEL")]
    pub level: Level,
    /// 考试日期，格式 YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: String,
    /// 考点（地点）
    #[arg(long, value_parser = parse_line, value_name = "TEXT")]
    pub site: Option<String>,
    /// 批次名称
    #[arg(long, value_parser = parse_line, value_name = "TEXT")]
    pub name: Option<String>,
    /// 实操考核方案（TOML 文件）
    #[arg(long, value_name = "FILE")]
    pub practical: Option<PathBuf>,
    /// 补考批次：写明补考的是哪些批次（逗号分隔）；导入名单时只接受在这些批次有一部分不合格的考生
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub retake_of: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SessionMarkArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 准考证号
    #[arg(long, value_name = "EXAM_NO")]
    pub exam_no: String,
    /// 哪一部分：theory 理论 / practical 实操
    #[arg(long, value_parser = ["theory", "practical"], value_name = "PART")]
    pub part: String,
    /// absent 缺考 / misconduct 违纪
    #[arg(long, value_parser = ["absent", "misconduct"], value_name = "STATUS")]
    pub status: String,
    /// 原因（会记录下来，并显示在考试结果中）
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct SessionAssignArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 试卷编号，用逗号分隔，如 P-20261122-0001-A,P-20261122-0001-B
    #[arg(
        long,
        value_delimiter = ',',
        required_unless_present = "latest",
        conflicts_with = "latest",
        value_name = "PAPER_ID,..."
    )]
    pub papers: Vec<String>,
    /// 用最近一次组卷（与批次同一等级）生成的全部试卷，不必抄写试卷编号
    #[arg(long)]
    pub latest: bool,
}

#[derive(Debug, Subcommand)]
pub enum CandidatesCommand {
    /// 导入考生名单（.csv / .xlsx）：准考证号、姓名、身份证号、培训机构；有任何错误则全部不导入。
    /// 已登记且内容相同的考生跳过；内容有变化的会列出，需加 --update 才更新
    Import(CandidatesImportArgs),
    /// 列出批次的考生：姓名、身份证号（打码）、培训机构、状态、试卷
    List {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 显示完整身份证号（默认打码）
        #[arg(long)]
        full_id: bool,
    },
    /// 更正一位考生的姓名、身份证号或培训机构（记录原因）
    Update(CandidatesUpdateArgs),
    /// 考生退考：保留记录，标记为退考，之后不能再评分（记录原因）
    Withdraw {
        /// 批次编号
        #[arg(long, value_name = "ID")]
        session: String,
        /// 准考证号
        #[arg(long, value_name = "EXAM_NO")]
        exam_no: String,
        /// 退考原因（会记录下来）
        #[arg(long, value_parser = parse_text, value_name = "TEXT")]
        reason: String,
    },
    /// 机考登录码：给批次的每位考生一个一次性登录码（考生用准考证号和它在考场服务上登录机考）。
    /// 只保存登录码的摘要，所以只在这里显示一次：请打印发给考生（--out 生成登录条）
    Codes(CandidatesCodesArgs),
    /// 把还没有成绩的考生转到同一等级的另一个批次（准考证号不变）
    Transfer {
        /// 原批次编号
        #[arg(long, value_name = "ID")]
        from: String,
        /// 转入的批次编号
        #[arg(long, value_name = "ID")]
        to: String,
        /// 准考证号
        #[arg(long, value_name = "EXAM_NO")]
        exam_no: String,
        /// 转批次的原因（会记录下来；不写则记为「转批次」）
        #[arg(long, value_parser = parse_text, value_name = "TEXT")]
        reason: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct CandidatesCodesArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 只给这一位考生换一个新登录码（旧码立即作废，已登录的浏览器退出）
    #[arg(long, value_name = "EXAM_NO")]
    pub exam_no: Option<String>,
    /// 已经发过登录码时，给全部考生换新码（旧码全部作废）
    #[arg(long)]
    pub renew: bool,
    /// 另存为可打印的登录条（.html 或 .pdf），每位考生一条，沿线剪开发放
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CandidatesUpdateArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 准考证号
    #[arg(long, value_name = "EXAM_NO")]
    pub exam_no: String,
    /// 新的姓名
    #[arg(long, value_parser = parse_line, value_name = "TEXT")]
    pub name: Option<String>,
    /// 新的身份证号（与导入时一样检查校验位和出生日期）
    #[arg(long, value_parser = parse_line, value_name = "ID_NUMBER")]
    pub id_number: Option<String>,
    /// 新的培训机构
    #[arg(long, value_parser = parse_line, value_name = "TEXT")]
    pub school: Option<String>,
    /// 更正原因（会记录下来）
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct CandidatesImportArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 考生名单文件（.csv / .xlsx）
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// CSV 文件编码：auto 自动识别，或指定 utf-8、gbk
    #[arg(long, default_value = "auto", value_name = "ENCODING")]
    pub encoding: TextEncoding,
    /// 显示完整身份证号（默认打码）
    #[arg(long)]
    pub full_id: bool,
    /// 已登记的考生按文件中的内容更新（每项变更都记录在批次的变更记录中）
    #[arg(long)]
    pub update: bool,
}

#[derive(Debug, Subcommand)]
pub enum ScoreCommand {
    /// 导入理论考试答卷（.csv / .xlsx）并评分；有任何错误则全部不保存
    Theory(ScoreTheoryArgs),
}

#[derive(Debug, Args)]
pub struct ScoreTheoryArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 答卷文件：准考证号、试卷，然后每题一列（1、2、3……）或一列「答案」（用逗号分隔各题）
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 已评分的考生用这次的答卷替换（旧答卷保留在历史中）
    #[arg(long)]
    pub replace: bool,
    /// CSV 文件编码：auto 自动识别，或指定 utf-8、gbk
    #[arg(long, default_value = "auto", value_name = "ENCODING")]
    pub encoding: TextEncoding,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// 批次编号
    #[arg(long, value_name = "ID")]
    pub session: String,
    /// 随机种子（相同种子生成相同的演练数据）
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// 输出文件夹：写入 theory-responses.csv（用于 certify score theory）；已抽签时还写入 practical-grades.csv（用于 certify grade import）
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BlueprintCommand {
    /// 检查组卷方案是否可行；不可行时列出每个缺题的格子（题型 × 领域 × 难度）
    Check(BlueprintCheckArgs),
}

#[derive(Debug, Args)]
pub struct BlueprintCheckArgs {
    /// 组卷方案文件（TOML），示例见 examples/blueprints/
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// 按这么多套试卷检查（默认用方案里的 forms）
    #[arg(long, value_name = "N")]
    pub forms: Option<usize>,
}

#[derive(Debug, Args)]
pub struct BuildPaperArgs {
    /// 组卷方案文件（TOML），示例见 examples/blueprints/
    #[arg(long, value_name = "FILE")]
    pub blueprint: PathBuf,
    /// 生成几套平行试卷（A、B、C……；默认用方案里的 forms）
    #[arg(long, value_name = "N")]
    pub forms: Option<usize>,
    /// 随机种子；相同题库、方案和种子生成完全相同的试卷。不写则随机生成并记录
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// 输出文件夹：试卷和答题卡写入其中的「试卷/试卷编号/」（可交印刷厂），
    /// 答案与解析和 paper.json 写入「考务机密/试卷编号/」（考务人员保管）
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// 同时用 Chromium 生成 PDF（需安装 chromium-headless-shell 和 fonts-noto-cjk）
    #[arg(long, requires = "out")]
    pub pdf: bool,
    /// 答题卡上准考证号的格数（默认 12；试卷已分配给批次时按该批次的准考证号位数）
    #[arg(long, value_name = "N", value_parser = parse_exam_no_digits)]
    pub exam_no_digits: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum PaperCommand {
    /// 列出已生成的试卷
    List,
    /// 显示一套试卷的题目、答案和组卷报告
    Show {
        /// 试卷编号，如 P-20261122-0001-A
        #[arg(value_name = "PAPER_ID")]
        id: String,
    },
    /// 重新输出一套试卷的试卷、答题卡、答案与解析
    Render(PaperRenderArgs),
    /// 更正一道题的答案，并重新计算这套试卷所有答卷的分数（旧答案和原因会保留）
    FixKey(PaperFixKeyArgs),
}

#[derive(Debug, Args)]
pub struct PaperFixKeyArgs {
    /// 试卷编号
    #[arg(value_name = "PAPER_ID")]
    pub id: String,
    /// 题号（试卷上的序号，从 1 开始）
    #[arg(value_name = "QUESTION")]
    pub question: usize,
    /// 正确答案，按试卷上印出的选项字母，如 B、ACD；判断题写 对 或 错
    #[arg(value_name = "ANSWER")]
    pub answer: String,
    /// 更正原因（会记录下来）
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct PaperRenderArgs {
    /// 试卷编号，如 P-20261122-0001-A
    #[arg(value_name = "PAPER_ID")]
    pub id: String,
    /// 输出文件夹：试卷和答题卡写入「试卷/试卷编号/」，答案与解析和 paper.json 写入「考务机密/试卷编号/」
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 同时用 Chromium 生成 PDF
    #[arg(long)]
    pub pdf: bool,
    /// 答题卡上准考证号的格数（试卷已分配给批次时按该批次的准考证号位数；否则用此值，默认 12）
    #[arg(long, value_name = "N", value_parser = parse_exam_no_digits)]
    pub exam_no_digits: Option<usize>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// 评价机构代码（4 位数字，用于证书编号）
    #[arg(long, value_name = "CODE")]
    pub org_code: Option<String>,
    /// 评价机构名称（印在证书和名单上）
    #[arg(long, value_parser = parse_line, value_name = "NAME")]
    pub org_name: Option<String>,
    /// 省份代码（2 位数字，如 11 北京、31 上海、44 广东）
    #[arg(long, value_name = "NN")]
    pub province: Option<String>,
    /// 考核站点序号（6 位数字）
    #[arg(long, value_name = "NNNNNN")]
    pub site: Option<String>,
    /// 只建空工作区，不载入内置题库
    #[arg(long)]
    pub empty: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// 显示一项设置；不写 KEY 则列出全部
    Get {
        /// 设置项，如 org-code、org-name、province、site、evaluator-type、cert-number-format
        key: Option<String>,
    },
    /// 修改一项设置
    Set {
        /// 设置项，如 org-code、org-name、province、site、evaluator-type
        key: String,
        /// 新的值
        #[arg(value_parser = parse_line)]
        value: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// 导入试题文件或文件夹（.toml / .csv / .xlsx）；有任何错误则全部不写入
    Import(BankImportArgs),
    /// 列出试题（当前版本），可按领域、题型、等级、难度、状态筛选
    List(BankListArgs),
    /// 显示一道题的全部内容和版本历史
    Show(BankShowArgs),
    /// 题库统计：领域 × 题型、领域 × 难度、各等级题数
    Stats,
    /// 导出题库（按扩展名：.toml / .csv / .xlsx）；导出后再导入不会有任何改动
    Export(BankExportArgs),
    /// 停用试题：不再用于组卷，历史试卷不受影响
    Retire(BankRetireArgs),
    /// 恢复已停用的试题
    Restore(BankRestoreArgs),
    /// 命题质量检查：答案最长、题干字眼重现、否定未加重、解析与答案不符、近似重复等；
    /// 不写路径时检查工作区的在用试题，写路径时检查导入前的试题文件
    Lint(BankLintArgs),
}

#[derive(Debug, Args)]
pub struct BankLintArgs {
    /// 要检查的试题文件或文件夹（.toml / .csv / .xlsx）；不写则检查工作区题库
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 单选题“答案是唯一最长选项”的比例超过此值时以退出码 1 结束
    #[arg(long, default_value_t = 0.30, value_name = "RATE")]
    pub max_longest_key_rate: f64,
    /// 有提示（未复核）的试题数超过此值时以退出码 1 结束（默认不限）
    #[arg(long, value_name = "N")]
    pub max_flagged: Option<usize>,
    /// 复核记录文件（.toml，每条 [[review]] 写 id、code、reason）：其中列出的提示已由审题人确认可以保留，
    /// 单独列出，不计入有提示的题数
    #[arg(long, value_name = "FILE")]
    pub reviewed: Option<PathBuf>,
    /// CSV 文件编码：auto 自动识别（BOM / UTF-8 / GBK），或指定 utf-8、gbk
    #[arg(long, default_value = "auto", value_name = "ENCODING")]
    pub encoding: TextEncoding,
}

#[derive(Debug, Args)]
pub struct BankImportArgs {
    /// 试题文件或文件夹，可写多个；文件夹会递归查找 .toml / .csv / .xlsx
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 只检查并报告结果，不写入数据库
    #[arg(long)]
    pub dry_run: bool,
    /// CSV 文件编码：auto 自动识别（BOM / UTF-8 / GBK），或指定 utf-8、gbk
    #[arg(long, default_value = "auto", value_name = "ENCODING")]
    pub encoding: TextEncoding,
}

#[derive(Debug, Args)]
pub struct BankListArgs {
    /// 领域：代码或中文名，如 feeding / 营养喂养
    #[arg(long, value_parser = parse_domain, value_name = "D")]
    pub domain: Option<Domain>,
    /// 题型：single / multiple / judge（单选 / 多选 / 判断）
    #[arg(long, value_parser = parse_kind, value_name = "K")]
    pub kind: Option<Kind>,
    /// 等级：五级 四级 三级 二级 一级 / 初级 中级 高级
    #[arg(long, value_parser = parse_level, value_name = "L")]
    pub level: Option<Level>,
    /// 难度：easy / medium / hard（易 / 中 / 难）
    #[arg(long, value_parser = parse_difficulty, value_name = "B")]
    pub difficulty: Option<Difficulty>,
    /// 状态：active 在用 / retired 已停用 / all 全部
    #[arg(long, default_value = "active", value_parser = ["active", "retired", "all"], value_name = "S")]
    pub status: String,
    /// 只列出最近一次试题分析标记为需复核的试题
    #[arg(long)]
    pub flagged: bool,
}

#[derive(Debug, Args)]
pub struct BankShowArgs {
    /// 试题编号，如 FEED-0001
    pub id: String,
    /// 显示指定的历史版本（版本号见版本历史）
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,
}

#[derive(Debug, Args)]
pub struct BankExportArgs {
    /// 输出文件，扩展名决定格式：.toml / .csv（UTF-8 带 BOM，Excel 可直接打开）/ .xlsx
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// 导出哪些试题：all 全部（默认）/ active 在用 / retired 已停用
    #[arg(long, default_value = "all", value_parser = ["active", "retired", "all"], value_name = "S")]
    pub status: String,
    /// 覆盖已存在的输出文件
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct BankRetireArgs {
    /// 要停用的试题编号，可写多个
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// 停用原因（会记录下来）
    #[arg(long, value_parser = parse_text, value_name = "TEXT")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct BankRestoreArgs {
    /// 要恢复使用的试题编号，可写多个
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

/// What the command line gave instead of a command: help or the version (exit 0, for
/// stdout) or a usage error (exit 2, for stderr), in Chinese.
#[derive(Debug)]
pub struct Usage {
    pub text: String,
    pub code: i32,
}

impl Usage {
    /// Prints the text where it belongs and ends the process with the code.
    pub fn exit(self) -> ! {
        if self.code == 0 {
            print!("{}", self.text);
        } else {
            eprint!("{}", self.text);
        }
        std::process::exit(self.code)
    }
}

/// Parses `args` (the first being the program name).
pub fn parse_from<I, T>(args: I) -> Result<Cli, Usage>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut command = command();
    command.try_get_matches_from_mut(args).and_then(|matches| Cli::from_arg_matches(&matches)).map_err(|e| {
        let code = e.exit_code();
        match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                Usage { text: translate(&e.render().to_string()), code }
            }
            ErrorKind::ValueValidation if bad_text(&e).is_some() => {
                let arg = context(&e, ContextKind::InvalidArg).unwrap_or_default();
                Usage { text: format!("错误：参数 {arg} {}\n", bad_text(&e).unwrap_or_default()), code: 1 }
            }
            _ => Usage { text: usage_error(&e), code },
        }
    })
}

/// The command tree with Chinese headings and help and version flags, at every level.
pub fn command() -> clap::Command {
    localize(Cli::command(), true)
}

fn localize(command: clap::Command, root: bool) -> clap::Command {
    // Headings only for sections the command has: a template cannot leave one out by itself.
    let mut template = String::from("{before-help}{about-with-newline}\n用法：{usage}");
    if command.has_subcommands() {
        template.push_str("\n\n命令：\n{subcommands}");
    }
    if command.get_positionals().any(|a| !a.is_hide_set()) {
        template.push_str("\n\n参数：\n{positionals}");
    }
    template.push_str("\n\n选项：\n{options}{after-help}");
    let mut command = command
        .help_template(template)
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help("显示本帮助"));
    if root {
        command = command
            .disable_version_flag(true)
            .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version).help("显示版本号"));
    }
    command.mut_subcommands(|sub| localize(sub, false))
}

/// The texts clap writes itself into help and usage, in Chinese.
const CLAP_TEXTS: [(&str, &str); 9] = [
    ("Print this message or the help of the given subcommand(s)", "显示本帮助，或某个子命令的帮助"),
    ("Print help for the subcommand(s)", "显示这些子命令的帮助"),
    ("[OPTIONS]", "[选项]"),
    ("[default: ", "[默认："),
    // A long help line wraps right after the colon.
    ("[default:", "[默认："),
    ("[env: ", "[环境变量："),
    ("[env:", "[环境变量："),
    ("[possible values: ", "[可写："),
    ("Possible values:", "可写："),
];

/// `text` with [`CLAP_TEXTS`] translated, ending in a newline (clap's version line has none).
fn translate(text: &str) -> String {
    let mut text = CLAP_TEXTS.iter().fold(text.to_owned(), |text, (english, chinese)| text.replace(english, chinese));
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// One context value of a clap error as text; lists joined the Chinese way.
fn context(e: &clap::Error, kind: ContextKind) -> Option<String> {
    Some(match e.get(kind)? {
        ContextValue::Strings(values) => values.join("、"),
        ContextValue::StyledStrs(values) => values.iter().map(ToString::to_string).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    })
}

/// A usage error in Chinese: what is wrong, a suggestion when clap has one, the usage
/// line, and where to read more.
fn usage_error(e: &clap::Error) -> String {
    let arg = context(e, ContextKind::InvalidArg).unwrap_or_default();
    let value = context(e, ContextKind::InvalidValue).unwrap_or_default();
    let mut message = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            format!("不认识的命令「{}」", context(e, ContextKind::InvalidSubcommand).unwrap_or_default())
        }
        ErrorKind::UnknownArgument => format!("不认识的参数「{arg}」"),
        ErrorKind::MissingRequiredArgument => format!("缺少必填的参数：{arg}"),
        ErrorKind::MissingSubcommand => format!(
            "{} 后面还要写一个子命令，说明要做什么",
            context(e, ContextKind::InvalidSubcommand).unwrap_or_else(|| "certify".to_owned())
        ),
        ErrorKind::InvalidValue if value.is_empty() => format!("参数 {arg} 需要写一个值"),
        ErrorKind::InvalidValue => match context(e, ContextKind::ValidValue) {
            Some(valid) => format!("参数 {arg} 的值「{value}」不对；可写：{valid}"),
            None => format!("参数 {arg} 的值「{value}」不对"),
        },
        ErrorKind::ValueValidation => format!("参数 {arg} 的值「{value}」不对：{}", validation_reason(e)),
        ErrorKind::ArgumentConflict => match context(e, ContextKind::PriorArg) {
            Some(prior) => format!("参数 {arg} 不能与 {prior} 同时使用"),
            None => format!("参数 {arg} 不能与其他参数同时使用"),
        },
        ErrorKind::TooManyValues => format!("参数 {arg} 多写了值「{value}」"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!("参数 {arg} 的值的个数不对"),
        ErrorKind::NoEquals => format!("参数 {arg} 的值要用等号连接，如 {arg}=值"),
        ErrorKind::InvalidUtf8 => "命令行里有无法识别的字符（不是 UTF-8 编码）".to_owned(),
        _ => "命令行有误".to_owned(),
    };
    let suggestion = context(e, ContextKind::SuggestedArg)
        .or_else(|| context(e, ContextKind::SuggestedSubcommand))
        .or_else(|| context(e, ContextKind::SuggestedValue));
    if let Some(suggestion) = suggestion {
        message.push_str(&format!("；是不是要写 {suggestion}？"));
    }
    let mut text = format!("错误：{message}\n");
    if let Some(usage) = context(e, ContextKind::Usage) {
        let usage = usage.trim();
        let usage = translate(usage.strip_prefix("Usage:").unwrap_or(usage));
        text.push_str(&format!("\n用法：{}\n", usage.trim()));
    }
    text.push_str("加 --help 查看全部参数和说明。\n");
    text
}

/// Why a value was refused: our parsers already say it in Chinese; the standard number
/// parsers do not.
fn validation_reason(e: &clap::Error) -> String {
    use std::error::Error as _;
    match e.source() {
        Some(source) if source.is::<std::num::ParseIntError>() => "应为不带小数点的整数".to_owned(),
        Some(source) if source.is::<std::num::ParseFloatError>() => "应为数字".to_owned(),
        Some(source) => source.to_string(),
        None => "格式不对".to_owned(),
    }
}

/// Why [`parse_line`] or [`parse_text`] refused a value.
#[derive(Debug)]
struct BadText(String);

impl std::fmt::Display for BadText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadText {}

/// The reason of a refused text value, if `e` is one.
fn bad_text(e: &clap::Error) -> Option<String> {
    use std::error::Error as _;
    e.source().and_then(|source| source.downcast_ref::<BadText>()).map(ToString::to_string)
}

/// Free text (a reason, a note): tabs and line breaks are fine, other control characters
/// (see [`import::stray_control`]) are not.
fn parse_text(text: &str) -> Result<String, BadText> {
    match import::stray_control(text) {
        Some(c) => Err(BadText(import::control_message(c))),
        None => Ok(text.to_owned()),
    }
}

/// One line of text (a name, a school, a site): [`parse_text`], and no line break or tab.
fn parse_line(text: &str) -> Result<String, BadText> {
    match import::line_break(text) {
        Some(what) => Err(BadText(format!("中有{what}：这一项只能写一行，请删去{what}后重新运行"))),
        None => parse_text(text),
    }
}

fn vocabulary_parser<T>(text: &str, parse: fn(&str) -> Option<T>, accepted: fn() -> String) -> Result<T, String> {
    parse(text).ok_or_else(|| format!("不认识「{text}」；可写：{}", accepted()))
}

fn parse_domain(text: &str) -> Result<Domain, String> {
    vocabulary_parser(text, Domain::parse, Domain::accepted)
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    vocabulary_parser(text, Kind::parse, Kind::accepted)
}

fn parse_level(text: &str) -> Result<Level, String> {
    vocabulary_parser(text, Level::parse, Level::accepted)
}

fn parse_exam_no_digits(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=30).contains(&n) => Ok(n),
        _ => Err("应为 1 到 30 之间的整数（准考证号的位数）".to_owned()),
    }
}

fn parse_difficulty(text: &str) -> Result<Difficulty, String> {
    vocabulary_parser(text, Difficulty::parse, Difficulty::accepted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    fn refused(args: &[&str]) -> Usage {
        parse_from(std::iter::once("certify").chain(args.iter().copied())).unwrap_err()
    }

    #[test]
    fn usage_errors_are_chinese_and_exit_2() {
        let unknown = refused(&["bank", "list", "--domian", "feeding"]);
        assert_eq!(unknown.code, 2);
        assert!(unknown.text.starts_with("错误：不认识的参数「--domian」；是不是要写 --domain？"), "{}", unknown.text);
        assert!(unknown.text.contains("\n\n用法：certify bank list --domain <D>\n加 --help"), "{}", unknown.text);
        assert!(refused(&["init", "--bogus"]).text.contains("用法：certify init [选项]"));
        let missing = refused(&["score", "theory", "answers.csv"]);
        assert!(missing.text.contains("缺少必填的参数：--session <ID>"), "{}", missing.text);
        let number = refused(&["blueprint", "check", "b.toml", "--forms", "two"]);
        assert!(number.text.contains("参数 --forms <N> 的值「two」不对：应为不带小数点的整数"), "{}", number.text);
        let level = refused(&["bank", "list", "--level", "九级"]);
        assert!(level.text.contains("不认识「九级」"), "{}", level.text);
        let status = refused(&["bank", "list", "--status", "old"]);
        assert!(status.text.contains("的值「old」不对；可写：active、retired、all"), "{}", status.text);
        let subcommand = refused(&["bnak"]);
        assert!(subcommand.text.contains("不认识的命令「bnak」；是不是要写 bank？"), "{}", subcommand.text);
        for usage in [unknown, missing, number, level, status, subcommand] {
            assert!(!usage.text.contains("error:") && !usage.text.contains("Usage"), "{}", usage.text);
        }
    }

    #[test]
    fn help_and_version_exit_0() {
        let help = refused(&["--help"]);
        assert_eq!(help.code, 0);
        assert!(help.text.contains("命令：") && help.text.contains("选项：") && help.text.contains("显示版本号"));
        assert_eq!(refused(&["--version"]).code, 0);
    }

    #[test]
    fn every_argument_has_help_text() {
        fn check(command: &clap::Command, path: &str) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                assert!(arg.get_help().is_some(), "{path} --{id} has no help text");
            }
            for sub in command.get_subcommands() {
                assert!(sub.get_about().is_some(), "{path} {} has no help text", sub.get_name());
                check(sub, &format!("{path} {}", sub.get_name()));
            }
        }
        check(&Cli::command(), "certify");
    }
}
