"""Writes the example datasets in examples/data/ from phrase lists written by this project's team.

Nothing here is copied from a public dataset: every phrase below was written for this project.
The files are committed; run this script again only to regenerate them (same seed, same files):

    python examples/make_examples.py
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent / "data"

# --------------------------------------------------------------------------- English reviews
EN_SUBJECTS = [
    "The new blender",
    "This hotel",
    "The pasta place on Elm Street",
    "The sequel",
    "This paperback",
    "The wireless headset",
    "Our rental car",
    "The museum tour",
    "This coffee grinder",
    "The yoga class",
    "The delivery service",
    "The campsite",
    "That laptop sleeve",
    "The documentary",
    "The bakery downtown",
    "This board game",
    "The phone case",
    "The concert",
    "The running shoes",
    "The cooking course",
    "The app update",
    "This novel",
    "The ramen bar",
    "The desk lamp",
]
EN_POSITIVE = [
    "exceeded every expectation I had",
    "was a genuine pleasure from start to finish",
    "works exactly as promised and feels sturdy",
    "made our weekend, and we will be back",
    "is worth every cent",
    "surprised me with how thoughtful the details are",
    "had friendly staff who went out of their way to help",
    "kept the whole family smiling",
    "is the best purchase I have made this year",
    "arrived early and in perfect condition",
    "delivers a warm, funny and moving story",
    "is comfortable enough to wear all day",
    "was spotless, quiet and beautifully decorated",
    "tastes fresh and the portions are generous",
    "is easy to set up and a joy to use",
    "has a clever design that saves me time every morning",
    "left me inspired and wanting more",
    "runs smoothly and the battery lasts for days",
    "has excellent sound and a snug fit",
    "is charming, well paced and wonderfully acted",
]
EN_NEGATIVE = [
    "broke after two days of light use",
    "was a complete waste of money",
    "smelled musty and the sheets were stained",
    "kept us waiting for an hour with no apology",
    "feels cheap and rattles when you touch it",
    "is dull, slow and far too long",
    "arrived late and missing half the parts",
    "had rude staff who ignored our questions",
    "stopped working the moment the warranty ended",
    "tastes bland and the bread was stale",
    "gave me a headache within ten minutes",
    "crashes every time I open it",
    "is uncomfortable and gave me blisters",
    "was overpriced for what you actually get",
    "disappointed everyone in our group",
    "has a confusing menu and sloppy service",
    "drains the battery before lunch",
    "sounds tinny and keeps disconnecting",
    "made a promising idea boring",
    "was noisy all night and nobody fixed it",
]
EN_TAILS = [
    "",
    "",
    "",
    " Highly recommended.",
    " Never again.",
    " Honestly.",
    " Five stars from me.",
    " Avoid it.",
    " I told all my friends.",
    " Returned it the next day.",
]
EN_TAIL_SENTIMENT = {
    " Highly recommended.": "positive",
    " Five stars from me.": "positive",
    " I told all my friends.": "positive",
    " Never again.": "negative",
    " Avoid it.": "negative",
    " Returned it the next day.": "negative",
}

# --------------------------------------------------------------------------- English paraphrase pairs
PARA_FACTS = [
    (
        "The city council approved the new budget on Tuesday.",
        "On Tuesday, the new budget was approved by the city council.",
        "The city council rejected the new budget on Tuesday.",
    ),
    (
        "Maria finished the marathon in just under four hours.",
        "Maria completed the marathon in a little less than four hours.",
        "Maria finished the marathon in just under six hours.",
    ),
    (
        "The company will open two factories in Ohio next year.",
        "Next year the company plans to open a pair of factories in Ohio.",
        "The company closed two factories in Ohio last year.",
    ),
    (
        "Heavy rain forced the organisers to cancel the festival.",
        "The festival was called off by its organisers because of heavy rain.",
        "Heavy rain did not stop the festival from going ahead.",
    ),
    (
        "The library extends its opening hours during exam week.",
        "During exam week the library stays open longer.",
        "The library shortens its opening hours during exam week.",
    ),
    (
        "Shares of the airline fell 8 percent after the announcement.",
        "The airline's stock dropped 8 percent following the announcement.",
        "Shares of the airline rose 8 percent after the announcement.",
    ),
    (
        "The museum received a rare painting from a private collector.",
        "A private collector gave the museum a rare painting.",
        "The museum sold a rare painting to a private collector.",
    ),
    (
        "Our team shipped the update two days ahead of schedule.",
        "The update was delivered by our team two days early.",
        "Our team shipped the update two weeks behind schedule.",
    ),
    (
        "The senator said she would not run for re-election.",
        "The senator announced that she will not seek another term.",
        "The senator said she would run for re-election.",
    ),
    (
        "Police arrested three men in connection with the robbery.",
        "Three men were taken into custody over the robbery.",
        "Police released three men questioned about the robbery.",
    ),
    (
        "The train to Leeds was delayed by forty minutes.",
        "The Leeds train ran forty minutes late.",
        "The train to Leeds left forty minutes early.",
    ),
    (
        "Scientists found traces of water in the lunar soil samples.",
        "Traces of water were discovered in the moon soil samples by scientists.",
        "Scientists found no trace of water in the lunar soil samples.",
    ),
    (
        "The bakery sold out of croissants before nine o'clock.",
        "By nine o'clock the bakery had no croissants left.",
        "The bakery still had plenty of croissants at nine o'clock.",
    ),
    (
        "The software patch fixes a flaw in the login page.",
        "A flaw in the login page is repaired by the software patch.",
        "The software patch adds a new theme to the login page.",
    ),
    (
        "Tickets for the final went on sale at midnight.",
        "At midnight, tickets for the final became available.",
        "Tickets for the final were withdrawn at midnight.",
    ),
    (
        "The hospital hired fifty nurses this spring.",
        "Fifty nurses joined the hospital staff this spring.",
        "The hospital laid off fifty nurses this spring.",
    ),
    (
        "The bridge will be closed for repairs until June.",
        "Repairs will keep the bridge shut until June.",
        "The bridge reopened after repairs in June.",
    ),
    (
        "Prices at the pump climbed for the fifth straight week.",
        "Fuel prices have risen for five weeks in a row.",
        "Prices at the pump fell for the fifth straight week.",
    ),
    (
        "The author signed copies of her book at the store on Friday.",
        "On Friday the author autographed copies of her book at the store.",
        "The author cancelled her book signing at the store on Friday.",
    ),
    (
        "The school replaced its old computers with new laptops.",
        "New laptops have taken the place of the school's old computers.",
        "The school kept its old computers instead of buying laptops.",
    ),
    (
        "The striker scored twice in the second half.",
        "In the second half the striker found the net two times.",
        "The striker missed two penalties in the second half.",
    ),
    (
        "Officials expect the road to reopen by the weekend.",
        "The road should be open again by the weekend, officials say.",
        "Officials expect the road to stay closed for another month.",
    ),
    (
        "The startup raised 12 million dollars from investors.",
        "Investors put 12 million dollars into the startup.",
        "The startup returned 12 million dollars to its investors.",
    ),
    (
        "Most residents voted in favour of the new park.",
        "A majority of residents supported building the new park.",
        "Most residents voted against the new park.",
    ),
    (
        "The chef changes the menu every season.",
        "Each season, the chef puts together a new menu.",
        "The chef has kept the same menu for ten years.",
    ),
    (
        "The storm knocked out power to thousands of homes.",
        "Thousands of homes lost electricity because of the storm.",
        "The storm passed without any power cuts.",
    ),
    (
        "The orchestra will tour Japan in the autumn.",
        "In the autumn the orchestra is going on tour in Japan.",
        "The orchestra cancelled its autumn tour of Japan.",
    ),
    (
        "The factory cut its water use by a third.",
        "Water consumption at the factory fell by one third.",
        "The factory tripled its water use.",
    ),
    (
        "He apologised for missing the meeting.",
        "He said he was sorry for not attending the meeting.",
        "He refused to explain why he missed the meeting.",
    ),
    (
        "The new vaccine was approved for children over five.",
        "Children older than five can now receive the newly approved vaccine.",
        "The new vaccine was rejected for children over five.",
    ),
    (
        "Sales of electric bikes doubled last summer.",
        "Last summer, twice as many electric bikes were sold.",
        "Sales of electric bikes halved last summer.",
    ),
    (
        "The court postponed the hearing until next month.",
        "The hearing has been pushed back to next month by the court.",
        "The court held the hearing earlier than planned.",
    ),
    (
        "The festival attracted more visitors than ever before.",
        "A record number of people came to the festival.",
        "The festival attracted fewer visitors than last year.",
    ),
    (
        "The minister resigned after the report was published.",
        "Following the report's publication, the minister stepped down.",
        "The minister was promoted after the report was published.",
    ),
    (
        "Engineers repaired the leak within an hour.",
        "The leak was fixed by engineers in less than an hour.",
        "Engineers could not find the leak for a week.",
    ),
    (
        "The zoo welcomed a baby giraffe on Sunday.",
        "A baby giraffe was born at the zoo on Sunday.",
        "The zoo sent its giraffe to another park on Sunday.",
    ),
    (
        "The store offers free delivery on orders over fifty dollars.",
        "Orders above fifty dollars are delivered free by the store.",
        "The store charges for delivery on every order.",
    ),
    (
        "Researchers tracked the birds across three continents.",
        "The birds were followed by researchers over three continents.",
        "Researchers lost track of the birds after a single day.",
    ),
    (
        "The mayor promised to build more affordable housing.",
        "More affordable homes were pledged by the mayor.",
        "The mayor scrapped plans for affordable housing.",
    ),
    (
        "The film won the top prize at the festival.",
        "The festival's highest award went to the film.",
        "The film was left out of the festival's competition.",
    ),
    (
        "The river burst its banks after days of rain.",
        "Days of rain caused the river to overflow.",
        "The river ran low despite days of rain.",
    ),
    (
        "Volunteers planted two hundred trees in the park.",
        "Two hundred trees were planted in the park by volunteers.",
        "Volunteers cut down two hundred trees in the park.",
    ),
    (
        "The airline added direct flights to Lisbon.",
        "Lisbon can now be reached on the airline's new direct flights.",
        "The airline dropped its direct flights to Lisbon.",
    ),
    (
        "The teacher praised the class for its project.",
        "The class's project earned praise from the teacher.",
        "The teacher criticised the class for its project.",
    ),
    (
        "The band released its first album in ten years.",
        "After a decade, the band put out a new album.",
        "The band announced it would never record again.",
    ),
    (
        "The price of coffee beans reached a record high.",
        "Coffee bean prices hit an all-time high.",
        "The price of coffee beans sank to a record low.",
    ),
    (
        "The park rangers closed the trail because of bears.",
        "Bear sightings led rangers to shut the trail.",
        "The park rangers reopened the trail despite the bears.",
    ),
    (
        "The bank lowered its interest rate by half a point.",
        "Interest rates at the bank fell by half a percentage point.",
        "The bank raised its interest rate by half a point.",
    ),
    (
        "The children built a robot for the science fair.",
        "For the science fair, the children made a robot.",
        "The children skipped the science fair this year.",
    ),
    (
        "The hotel was fully booked for the holiday weekend.",
        "No rooms were left at the hotel over the holiday weekend.",
        "The hotel was almost empty over the holiday weekend.",
    ),
    (
        "The council will repaint the bridge in bright blue.",
        "The bridge is going to be repainted bright blue by the council.",
        "The council will tear down the blue bridge.",
    ),
    (
        "Nearly half of the workers joined the strike.",
        "Almost fifty percent of the staff went on strike.",
        "Hardly any of the workers joined the strike.",
    ),
    (
        "The goalkeeper saved a penalty in the last minute.",
        "In the final minute the goalkeeper stopped a penalty.",
        "The goalkeeper conceded a penalty in the last minute.",
    ),
    (
        "The recipe calls for two cups of flour.",
        "You need two cups of flour for this recipe.",
        "The recipe uses no flour at all.",
    ),
    (
        "The company moved its headquarters to Denver.",
        "Denver is now home to the company's headquarters.",
        "The company kept its headquarters out of Denver.",
    ),
]

# --------------------------------------------------------------------------- Chinese variety-show comments
ZH_SUBJECTS = [
    "这期节目",
    "今晚的综艺",
    "嘉宾的表现",
    "主持人",
    "这一季",
    "节目组",
    "这段舞台",
    "最后的环节",
    "新来的常驻",
    "这个游戏环节",
    "导演的剪辑",
    "今天的直播",
]
ZH_CLASSES = {
    "喜悦": [
        "笑得我肚子疼，太开心了",
        "真的好好看，周末就靠它了",
        "看完心情超级好",
        "每一集都让人期待",
        "温暖又有趣，全家一起看",
        "太有梗了，笑到停不下来",
        "配合得天衣无缝，开心",
        "终于等到更新啦，好快乐",
        "治愈了我一整周的疲惫",
        "这波操作绝了，给满分",
        "氛围轻松，看得特别舒服",
        "惊喜不断，爱了爱了",
    ],
    "愤怒": [
        "太气人了，凭什么这样剪",
        "简直欺负人，必须道歉",
        "我真的火大，规则说改就改",
        "这种黑幕让人愤怒",
        "把观众当傻子吗，气死了",
        "无理取闹，节目组给个说法",
        "看得我血压都上来了",
        "故意针对选手，太过分了",
        "投票结果明显有问题，不能忍",
        "临时换人也不通知，气炸了",
        "拿观众的钱不办事，怒了",
        "说好的直播又延期，受够了",
    ],
    "厌恶": [
        "尴尬得让人起鸡皮疙瘩",
        "剧本味太重，看着恶心",
        "一股廉价的广告味，真反感",
        "强行煽情，看不下去",
        "做作的表演让人反胃",
        "低俗的玩笑，令人讨厌",
        "又在炒作，真的腻了",
        "恶意剪辑，太让人厌烦",
        "这种审美实在辣眼睛",
        "假惺惺的互动，看着难受",
        "满屏的植入，烦死人",
        "油腻的台词，听着就难受",
    ],
    "低落": [
        "看完有点难过，说不出话",
        "最喜欢的嘉宾退出了，好失落",
        "结局让人心里空空的",
        "想起以前的季，好怀念也好伤心",
        "突然就完结了，心情好低落",
        "看哭了，心里堵得慌",
        "再也回不到当初了，唉",
        "熬夜等更新，结果很失望，有点丧",
        "他离开舞台的背影让人心酸",
        "越看越伤感，今晚睡不着了",
        "没有晋级，替她难过",
        "告别的那一幕太让人难受了",
    ],
}
ZH_TAILS = ["", "。", "！", "……", "，唉。", "，真的。"]

# --------------------------------------------------------------------------- Chinese Weibo posts, 4 topics
# Subjects and predicates per topic; a post is opener + subject + predicate + tail. Written for this project.
TOPIC_OPENERS = ["", "刚刚看到", "说真的，", "今天", "转发：", "朋友说", "没想到", "据说", "早上刷到", "晚上聊到"]
TOPIC_TAILS = ["", "。", "！", "～", "，大家怎么看？", "，转给朋友们。", "，记录一下。", "，太真实了。"]
ZH_TOPICS = {
    "体育": (
        [
            "主队",
            "那位老将",
            "国家队的后卫",
            "新来的教练",
            "女排",
            "马拉松选手",
            "乒乓球小将",
            "篮球队的中锋",
            "足球联赛",
            "游泳冠军",
            "羽毛球双打",
            "冬奥会的滑雪队",
        ],
        [
            "在加时赛里绝杀对手",
            "打破了尘封多年的纪录",
            "伤愈复出就拿下两分",
            "点球大战发挥稳定",
            "赛季首胜终于到手",
            "防守反击踢得漂亮",
            "训练到深夜还在加练",
            "爆冷输给了升班马",
            "晋级半决赛的赛点扣得干脆",
            "跑进了个人最好成绩",
            "转会费创下新高",
            "被裁判连吹两次犯规",
        ],
    ),
    "科技": (
        [
            "新款手机",
            "这家芯片公司",
            "开源社区",
            "那款电动车",
            "人工智能助手",
            "卫星互联网",
            "国产操作系统",
            "折叠屏平板",
            "云服务商",
            "机器人团队",
            "量子计算实验室",
            "智能手表",
        ],
        [
            "发布了更快的处理器",
            "系统更新修复了耗电问题",
            "宣布自研芯片量产",
            "续航测试超出预期",
            "开放了新的编程接口",
            "把算法模型压缩到手机上",
            "服务器宕机了两个小时",
            "专利诉讼有了新进展",
            "摄像头夜景算法升级",
            "充电速度又提高了一倍",
            "数据泄露引发用户担忧",
            "推出了低价入门版本",
        ],
    ),
    "美食": (
        [
            "楼下的面馆",
            "外婆做的红烧肉",
            "这家火锅店",
            "新开的甜品铺",
            "街角的烧烤摊",
            "老字号包子铺",
            "网红奶茶",
            "家里的腊肠",
            "夜市的臭豆腐",
            "自制的酸菜鱼",
            "早餐的豆浆油条",
            "川菜馆的麻婆豆腐",
        ],
        [
            "汤底熬得又浓又香",
            "排队一小时才吃上",
            "辣得人直冒汗",
            "甜而不腻，口感细腻",
            "分量足，价格也实在",
            "肉炖得软烂入味",
            "换了厨师味道变咸了",
            "外酥里嫩，咬一口满嘴油香",
            "配料新鲜，蘸酱是灵魂",
            "凉了以后就有点腥",
            "火候刚好，米饭都多吃一碗",
            "老板送了一碟小菜",
        ],
    ),
    "旅游": (
        [
            "这次去的古镇",
            "海边的民宿",
            "雪山脚下的村子",
            "西北的自驾路线",
            "热门景区",
            "高铁沿线的小城",
            "草原上的帐篷营地",
            "江南的园林",
            "出境游的航班",
            "山顶的寺庙",
            "沙漠里的星空营地",
            "岛上的渔村",
        ],
        [
            "清晨的日出美得不真实",
            "门票涨价游客却更多了",
            "导游讲解特别用心",
            "行李在机场被弄丢了",
            "一路都是绝美的风景",
            "节假日人挤人寸步难行",
            "住宿干净还能看到海",
            "攻略上说的小路已经封了",
            "当地人热情地给我们指路",
            "坐了十个小时的车才到",
            "签证办下来只用了三天",
            "拍照打卡的地方太商业化",
        ],
    ),
}


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def sentiment_rows(rng: random.Random) -> list[list]:
    rows = []
    for subject in EN_SUBJECTS:
        for label, clauses in (("positive", EN_POSITIVE), ("negative", EN_NEGATIVE)):
            for clause in rng.sample(clauses, 5):
                tail = rng.choice([t for t in EN_TAILS if EN_TAIL_SENTIMENT.get(t, label) == label])
                rows.append([f"{subject} {clause}.{tail}", label])
    rng.shuffle(rows)
    return rows


def paraphrase_rows(rng: random.Random) -> list[list]:
    rows = []
    for original, paraphrase, different in PARA_FACTS:
        rows.append([original, paraphrase, 1])
        rows.append([original, different, 0])
        rows.append([paraphrase, different, 0] if rng.random() < 0.5 else [paraphrase, original, 1])
    rng.shuffle(rows)
    return rows


def chinese_rows(rng: random.Random) -> list[list]:
    rows = []
    for label, phrases in ZH_CLASSES.items():
        for subject in ZH_SUBJECTS:
            for phrase in rng.sample(phrases, 5):
                rows.append([f"{subject}{phrase}{rng.choice(ZH_TAILS)}", label])
    rng.shuffle(rows)
    return rows


def weibo_topic_rows(rng: random.Random, per_class: int) -> list[list]:
    """``per_class`` distinct posts per topic (opener + subject + predicate + tail), shuffled."""
    rows = []
    for label, (subjects, predicates) in ZH_TOPICS.items():
        combos = [(s, p) for s in subjects for p in predicates]
        seen: set[str] = set()
        while len(seen) < per_class:
            subject, predicate = rng.choice(combos)
            seen.add(f"{rng.choice(TOPIC_OPENERS)}{subject}{predicate}{rng.choice(TOPIC_TAILS)}")
        rows += [[text, label] for text in sorted(seen)]
    rng.shuffle(rows)
    return rows


def write_weibo_topics_xlsx(path: Path, per_class: int, seed: int = 20261124) -> int:
    """The Weibo-tutorial-shaped Excel file: columns ``review`` and ``label`` (4 topics)."""
    import pandas as pd

    rows = weibo_topic_rows(random.Random(seed), per_class)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["review", "label"]).to_excel(path, index=False)
    return len(rows)


def split_and_write(folder: Path, header: list[str], rows: list[list], validation_share: float = 0.2) -> None:
    cut = int(len(rows) * (1 - validation_share))
    write_csv(folder / "train.csv", header, rows[:cut])
    write_csv(folder / "validation.csv", header, rows[cut:])


# =========================================================================== Tutorial twins
# Small datasets shaped like the five tutorials' data, for the offline twins in examples/recipes/.
# Every sentence and phrase below was written for this project; each set has its own seed, so the
# older files above stay byte-for-byte the same.

# --------------------------------------------------------------------------- MRPC-shaped sentence pairs
# A fact is (template, paraphrase template, changed-detail template); the slots are filled from the lists
# below. label 1: the two sentences say the same thing; label 0: they differ in one detail or in what they claim.
PAIR_ACTORS = [
    "Northfield Bank",
    "the regional water board",
    "Kestrel Motors",
    "the state university",
    "Harbor Freight Lines",
    "the city transit agency",
    "Brightwell Pharmaceuticals",
    "the teachers' union",
    "Pinecrest Foods",
    "the national weather office",
    "Orbital Networks",
    "the county hospital",
    "Silverline Airways",
    "the port authority",
    "Greenway Energy",
    "the football association",
    "Lumen Software",
    "the district council",
    "Redwood Publishing",
    "the farmers' cooperative",
]
PAIR_PERIODS = ["first quarter", "second quarter", "third quarter", "fourth quarter", "spring", "autumn"]
PAIR_FACTS = [
    (
        "{a} reported a profit of {n} million dollars for the {p}.",
        "For the {p}, {a} posted a {n} million dollar profit.",
        "{a} reported a loss of {n} million dollars for the {p}.",
    ),
    (
        "{a} said it would cut {n} jobs by the end of the year.",
        "By the end of the year {a} plans to eliminate {n} positions, it said.",
        "{a} said it would add {n} jobs by the end of the year.",
    ),
    (
        "{a} raised its prices by {n} percent in the {p}.",
        "In the {p}, prices at {a} went up {n} percent.",
        "{a} raised its prices by {m} percent in the {p}.",
    ),
    (
        "Shares of {a} climbed {n} percent after the results were released.",
        "The stock of {a} rose {n} percent once the results came out.",
        "Shares of {a} slid {n} percent after the results were released.",
    ),
    (
        "{a} opened {n} new offices during the {p}.",
        "During the {p}, {a} added {n} offices.",
        "{a} closed {n} offices during the {p}.",
    ),
    (
        "A spokesperson for {a} declined to comment on the report.",
        "{a} would not comment on the report, a spokesperson said.",
        "A spokesperson for {a} welcomed the report and praised its authors.",
    ),
    (
        "{a} signed a {n} million dollar contract with the federal government.",
        "The federal government awarded {a} a contract worth {n} million dollars.",
        "{a} lost a {n} million dollar contract with the federal government.",
    ),
    (
        "{a} expects revenue to grow about {n} percent next year.",
        "Next year, revenue at {a} should rise roughly {n} percent, the company expects.",
        "{a} expects revenue to grow about {m} percent next year.",
    ),
    (
        "Officials at {a} blamed the delay on a shortage of parts.",
        "A lack of parts caused the delay, according to officials at {a}.",
        "Officials at {a} said the delay had nothing to do with parts.",
    ),
    (
        "{a} will move its headquarters to a larger building in the {p}.",
        "In the {p}, {a} is relocating its head office to a bigger building.",
        "{a} will keep its headquarters in the same building after the {p}.",
    ),
    (
        "{a} hired {n} engineers to work on the new project.",
        "{n} engineers have joined {a} to work on the new project.",
        "{a} hired {m} engineers to work on the new project.",
    ),
    (
        "Customers of {a} complained about long waits on the phone line.",
        "People who use {a} said they waited a long time on the phone line.",
        "Customers of {a} praised the short waits on the phone line.",
    ),
]
# MRPC pairs often share a sentence and add or drop a clause; these endings make some 0-pairs of that kind.
PAIR_EXTRA = [
    " The announcement came a week earlier than expected.",
    " Analysts had predicted a smaller figure.",
    " The decision still needs approval from the board.",
    " Similar plans were dropped two years ago.",
]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def mrpc_pair_rows(rng: random.Random, per_fact: int = 30) -> list[list]:
    """About two thirds paraphrases (as in MRPC), one third pairs that differ in a detail or a claim."""
    rows, seen = [], set()
    for template, paraphrase, changed in PAIR_FACTS:
        made = 0
        while made < per_fact:
            n = rng.choice([2, 3, 4, 5, 6, 8, 12, 15, 20, 25, 40, 60, 120, 300])
            m = n + rng.choice([1, 2, 5, 10])
            slots = {"a": rng.choice(PAIR_ACTORS), "p": rng.choice(PAIR_PERIODS), "n": n, "m": m}
            first, same, other = (_sentence(t.format(**slots)) for t in (template, paraphrase, changed))
            kind = rng.random()
            if kind < 0.66:
                pair = [first, same, 1]
            elif kind < 0.86:
                pair = [first, other, 0]
            else:
                pair = [first, same + rng.choice(PAIR_EXTRA), 0]
            if rng.random() < 0.5:
                pair = [pair[1], pair[0], pair[2]]
            if (pair[0], pair[1]) in seen:
                continue
            seen.add((pair[0], pair[1]))
            rows.append(pair)
            made += 1
    rng.shuffle(rows)
    return rows


def write_tsv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# --------------------------------------------------------------------------- IMDB-shaped long movie reviews
FILM_TITLES = [
    "The Lantern Keeper",
    "Salt and Iron",
    "Nine Winters",
    "A House on Quill Street",
    "Paper Moons",
    "The Last Ferry to Aldmouth",
    "Glasswater",
    "Under the Copper Sky",
    "The Cartographer's Son",
    "Midnight at the Orchard",
    "Static Hearts",
    "The Hollow Crown Affair",
    "Driftwood Summer",
    "Echo Ridge",
    "The Quiet Engine",
    "Saint Agnes Road",
    "Wolves of Marrow Bay",
    "Ninefold",
]
FILM_GENRES = [
    "thriller",
    "family drama",
    "science fiction film",
    "romantic comedy",
    "war drama",
    "horror film",
    "heist movie",
    "coming-of-age story",
    "crime drama",
    "period piece",
]
FILM_OPENERS = [
    "I went to see {t} on a rainy Sunday afternoon without knowing much about it.",
    "{t} is a {g} that arrived with very little publicity.",
    "My sister recommended {t}, so I finally sat down to watch it last night.",
    "I had read a few mixed things about {t} before I saw it, and I tried to keep an open mind.",
    "{t} is the second feature from a director whose first film I remember fondly.",
    "It has been a long time since a {g} made me think about it for days, so I was curious about {t}.",
]
FILM_PLOT = [
    "The story follows a retired lighthouse keeper who is asked to find a missing fisherman.",
    "Most of the film takes place in a small coastal town over a single winter.",
    "Two estranged brothers are forced to share a house after their father dies.",
    "A young engineer discovers that the city's power plant hides an old secret.",
    "The plot centres on a family restaurant that is slowly going out of business.",
    "A group of students spends one summer trying to win a regional science prize.",
    "The main character is a detective who returns to the village where she grew up.",
    "Half of the story is told in flashbacks from the nineteen seventies.",
    "A crew of thieves plans to rob a museum during a city-wide blackout.",
    "An astronaut wakes up alone on a research station and tries to reach home.",
]
FILM_ASPECTS = {  # (positive, negative) remarks about one part of a film
    "acting": (
        [
            "The lead performance is careful and convincing, and every small gesture feels earned.",
            "The supporting cast is wonderful, especially the actor who plays the grumpy neighbour.",
            "The two leads have real chemistry, and their arguments sound like actual people talking.",
            "Even the smallest roles are played with warmth and precision.",
        ],
        [
            "The lead actor seems bored in almost every scene and never makes us care about him.",
            "Most of the cast overacts, shouting lines that would have worked better quietly.",
            "The two leads have no chemistry at all, so the central relationship falls flat.",
            "The supporting characters are played so broadly that they turn into cartoons.",
        ],
    ),
    "script": (
        [
            "The script is sharp and often funny, and it trusts the audience to keep up.",
            "The dialogue is natural, and the story reveals its secrets at just the right pace.",
            "The writers find fresh angles on a familiar premise and avoid the obvious twists.",
            "Every subplot pays off by the end, which is rarer than it should be.",
        ],
        [
            "The script is full of clichés, and I guessed the twist within twenty minutes.",
            "The dialogue is clumsy, and characters keep explaining things we have already seen.",
            "Several subplots are introduced and then simply forgotten.",
            "The story relies on coincidences so large that it becomes hard to take seriously.",
        ],
    ),
    "look": (
        [
            "The cinematography is gorgeous, with long shots of grey sea and warm kitchen light.",
            "The production design makes the town feel lived in and real.",
            "Visually the film is a treat, and the colours change subtly as the mood darkens.",
            "The camera work is patient and confident, letting scenes breathe.",
        ],
        [
            "The film looks cheap, with flat lighting and sets that wobble when doors close.",
            "The camera shakes constantly, which makes the action scenes hard to follow.",
            "The visual effects are unconvincing and pulled me out of the story every time.",
            "Everything is shot in the same murky grey, so nothing stands out.",
        ],
    ),
    "music": (
        [
            "The score is understated and lovely, and it never tells you what to feel.",
            "The soundtrack choices are clever and fit each scene perfectly.",
            "The music swells at exactly the right moments without becoming sentimental.",
        ],
        [
            "The music is loud and manipulative, telling you to cry before anything sad happens.",
            "The soundtrack is distracting, with pop songs dropped into scenes where they do not belong.",
            "The score is so repetitive that I started to notice it more than the dialogue.",
        ],
    ),
    "pacing": (
        [
            "At just under two hours, the film never drags and the tension builds steadily.",
            "The pacing is excellent, moving between quiet moments and big scenes with ease.",
            "The editing is tight, and I was surprised when the credits rolled.",
        ],
        [
            "The pacing is painfully slow, and the middle hour could lose thirty minutes.",
            "The film drags badly, and I checked my watch more than once.",
            "The last act is rushed while the first act goes on forever.",
        ],
    ),
    "ending": (
        [
            "The ending is moving and honest, and it stayed with me on the drive home.",
            "The final scene is quietly perfect and ties the themes together.",
            "The conclusion feels earned rather than forced.",
        ],
        [
            "The ending is abrupt and unsatisfying, as if the writers simply ran out of ideas.",
            "The final twist undoes everything the film had built up.",
            "The conclusion is so sentimental that it undercuts the serious themes before it.",
        ],
    ),
}
FILM_VERDICTS = (
    [
        "I would happily watch it again, and I have already recommended it to friends.",
        "It is one of the best films I have seen this year, and I give it a strong recommendation.",
        "Go and see it on the biggest screen you can find.",
        "A small, smart film that deserves a much bigger audience.",
    ],
    [
        "I cannot recommend it, even as something to put on in the background.",
        "Save your money and watch something else.",
        "It is a disappointing waste of a promising idea.",
        "I wanted to like it, but by the end I was simply relieved it was over.",
    ],
)
FILM_BUT = {1: "That said, ", 0: "To be fair, "}


def movie_review(rng: random.Random, label: int) -> str:
    """8-10 sentences: opener, plot, five aspects (one may go against the overall verdict), verdict."""
    title, genre = rng.choice(FILM_TITLES), rng.choice(FILM_GENRES)
    sentences = [rng.choice(FILM_OPENERS).format(t=title, g=genre)]
    sentences += rng.sample(FILM_PLOT, 2)
    aspects = rng.sample(list(FILM_ASPECTS), 5)
    against = rng.choice(aspects) if rng.random() < 0.6 else None
    for aspect in aspects:
        positive, negative = FILM_ASPECTS[aspect]
        good = bool(label) != (aspect == against)
        remark = rng.choice(positive if good else negative)
        if aspect == against:
            remark = FILM_BUT[label] + remark[0].lower() + remark[1:]
        sentences.append(remark)
    sentences.append(rng.choice(FILM_VERDICTS[0] if label else FILM_VERDICTS[1]))
    return " ".join(sentences)


def imdb_rows(rng: random.Random, count: int) -> list[list]:
    """``count`` distinct reviews, half positive (1) and half negative (0), shuffled."""
    rows, seen = [], set()
    for label in (0, 1):
        made = 0
        while made < count // 2:
            text = movie_review(rng, label)
            if text not in seen:
                seen.add(text)
                rows.append([text, label])
                made += 1
    rng.shuffle(rows)
    return rows


# --------------------------------------------------------------------------- Yelp-shaped 5-star reviews
PLACES = [
    "the taco shop on Fifth",
    "this noodle bar",
    "the new brunch place",
    "Rosa's pizzeria",
    "the diner by the station",
    "the hotel restaurant downtown",
    "this dumpling house",
    "the corner bakery",
    "the sushi counter at the mall",
    "the vegan cafe on Pine Street",
    "the Thai place near campus",
    "this coffee roaster",
    "the burger joint off the highway",
    "the seafood shack at the pier",
    "this ramen shop",
    "the family steakhouse",
]
STAR_OPENERS = [
    ["Where do I even start with {p}.", "I regret going to {p}.", "Do not go to {p}."],
    ["I had high hopes for {p}, but it let me down.", "{P} was a disappointment this time.", "I wanted to like {p}."],
    ["{P} is fine, I suppose.", "My visit to {p} was so-so.", "I have mixed feelings about {p}."],
    ["{P} is a solid choice.", "We had a good time at {p}.", "I have been to {p} a few times now."],
    ["{P} is fantastic!", "I absolutely love {p}.", "{P} is my new favourite place in town."],
]
STAR_ASPECTS = {  # remarks from one star (index 0) to five stars (index 4)
    "quality": [
        "Everything we ordered was cold and tasted old.",
        "The food was bland and the portions were small.",
        "The food was okay, nothing I would crave later.",
        "The food was tasty and clearly made fresh.",
        "Every single dish was perfect, full of flavour and beautifully presented.",
    ],
    "service": [
        "The staff were rude and ignored us for twenty minutes.",
        "Service was slow and our order came out wrong.",
        "The staff were polite but seemed a bit distracted.",
        "Our server was friendly and checked on us often.",
        "The staff went above and beyond and remembered our names.",
    ],
    "price": [
        "It was shockingly expensive for what we got.",
        "Prices are a little high for the quality.",
        "Prices are about what you would expect.",
        "It is good value for the money.",
        "Honestly, it is a bargain for this level of quality.",
    ],
    "place": [
        "The place was dirty and the tables were sticky.",
        "It was noisy and cramped, and the chairs were uncomfortable.",
        "The room is plain but clean enough.",
        "The space is bright, clean and comfortable.",
        "The space is gorgeous and spotless, a pleasure to sit in.",
    ],
    "wait": [
        "We waited over an hour, and nobody apologised.",
        "The wait was longer than they told us.",
        "We waited about fifteen minutes, which was fine.",
        "We were seated quickly even though it was busy.",
        "There was no wait at all and everything came out fast.",
    ],
}
STAR_CLOSERS = [
    ["Never again.", "Zero stars if I could.", "Stay away."],
    ["I probably will not be back.", "Two stars for the effort.", "Not worth the trip."],
    ["It is okay if you are nearby.", "Average overall.", "Might give it another try."],
    ["I will definitely return.", "Recommended.", "Four stars, would go again."],
    ["Five stars, no question!", "Cannot recommend it enough!", "Go now, you will thank me."],
]


def yelp_review(rng: random.Random, label: int) -> str:
    place = rng.choice(PLACES)
    opener = rng.choice(STAR_OPENERS[label]).format(p=place, P=place[0].upper() + place[1:])
    parts = [opener]
    for aspect in rng.sample(list(STAR_ASPECTS), rng.randint(3, 4)):
        level = min(4, max(0, label + rng.choice([-1, 0, 0, 0, 1])))  # star reviews are rarely all one level
        parts.append(STAR_ASPECTS[aspect][level])
    parts.append(rng.choice(STAR_CLOSERS[label]))
    return " ".join(parts)


def yelp_rows(rng: random.Random, count: int) -> list[list]:
    """``count`` distinct reviews, the same number per star (label 0 = 1 star ... 4 = 5 stars), shuffled."""
    rows, seen = [], set()
    for label in range(5):
        made = 0
        while made < count // 5:
            text = yelp_review(rng, label)
            if text not in seen:
                seen.add(text)
                rows.append([text, label])
                made += 1
    rng.shuffle(rows)
    return rows


# --------------------------------------------------------------------------- Weibo-shaped comments on cultural shows
# Four numeric classes as the Weibo tutorial defines them: 0 the show itself (production, cast, how good it is),
# 1 the relics, old books and historical people it presents, 2 the culture, art, spirit or country it conveys,
# 3 unrelated to the show. The show names are invented.
WEIBO_LABEL_NAMES = ("节目制作与观感", "文物古籍与人物", "文化精神与国家", "无关评论")
ZH_SHOWS = ["《山河旧卷》", "《器物有声》", "《千年一叶》", "《宫墙之内》", "《书页里的江南》", "《青瓷记》"]
ZH_CORES = {
    0: [
        "{s}的舞美和灯光做得太用心了",
        "{s}这一期剪辑节奏有点拖",
        "{s}的主持人控场能力真强",
        "{s}第二季什么时候播啊",
        "{s}的演员台词功底好扎实",
        "抢到了{s}杭州场的票，开心",
        "{s}的配乐一响我就起鸡皮疙瘩",
        "{s}这季比上季好看太多",
        "{s}的特效有点五毛，可惜了",
        "{s}的嘉宾阵容也太豪华了吧",
        "谁懂{s}的镜头语言啊",
        "{s}每期都准时蹲守",
    ],
    1: [
        "{s}里那只唐代的鎏金杯原来藏在西安",
        "看了{s}才知道那卷古籍差点失传",
        "{s}讲的那位宋代画家一生太坎坷了",
        "{s}里的青铜鼎上竟然刻着几百个字",
        "{s}介绍的那部医书现在还在用",
        "原来{s}里的玉琮有五千年历史",
        "{s}里修复古画的老师傅手太稳了",
        "{s}讲到那位女词人的晚年，看哭了",
        "{s}里的那方砚台是苏轼用过的吗",
        "{s}展示的竹简上的字居然还能读",
        "{s}里那件龙袍的刺绣针脚好细",
        "想去博物馆看{s}里的那尊陶俑",
    ],
    2: [
        "{s}让我感受到传统文化的分量",
        "看完{s}，为我们的国家感到骄傲",
        "{s}讲的是一种代代相传的匠人精神",
        "年轻人也该多看看{s}这样的文化节目",
        "{s}让古老的艺术重新走进了生活",
        "{s}里那种家国情怀太打动人了",
        "{s}告诉我们文化要有传承才有未来",
        "这就是{s}想传递的文化自信吧",
        "{s}把东方美学讲得明明白白",
        "从{s}里看到了一个民族的精神底色",
        "{s}让我重新理解了什么是诗意",
        "{s}说的敬畏历史，我记住了",
    ],
    3: [
        "今天加班到十点，好累",
        "楼下的猫又胖了一圈",
        "有人一起拼单奶茶吗",
        "周末去爬山，腿要断了",
        "明天考四级，保佑保佑",
        "新买的耳机右边没声音",
        "地铁上又被挤成照片了",
        "晚饭吃了一大碗螺蛳粉",
        "求推荐好用的护手霜",
        "下雨了，忘带伞",
        "房东又要涨房租了",
        "终于把毕业论文交上去了",
    ],
}
ZH_OPENERS = ["", "", "刚看完，", "说真的，", "家人们，", "啊啊啊", "今天才发现", "强烈安利：", "emmm，"]
ZH_ENDS = ["", "。", "！", "！！", "～", "……", "，有人同感吗？", " #追剧日常#", "，转给爸妈看了", "[哭]", "[赞]"]


def weibo_comment_rows(rng: random.Random, per_class: int) -> list[list]:
    """``per_class`` distinct comments per label, rows ``[label, sentence]``, shuffled."""
    rows = []
    for label, cores in ZH_CORES.items():
        seen: set[str] = set()
        while len(seen) < per_class:
            core = rng.choice(cores).format(s=rng.choice(ZH_SHOWS))
            opener = rng.choice(ZH_OPENERS) if label != 3 else rng.choice(["", "", "唉，", "哈哈，"])
            seen.add(f"{opener}{core}{rng.choice(ZH_ENDS)}")
        rows += [[label, text] for text in sorted(seen)]
    rng.shuffle(rows)
    return rows


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> None:
    """An Excel file written with openpyxl, with its timestamps fixed so the same rows give the same bytes."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = "2026-12-01T00:00:00Z"
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp.encode(), data)
            info = zipfile.ZipInfo(item.filename, date_time=(2026, 12, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)


def write_twins() -> str:
    """The tutorial-shaped sets for the offline twins (each with its own seed)."""
    pairs = mrpc_pair_rows(random.Random(20261204))
    header = ["sentence1", "sentence2", "label"]
    folder = HERE / "mrpc_pairs_en"
    write_tsv(folder / "train.tsv", header, pairs[:270])
    write_tsv(folder / "validation.tsv", header, pairs[270:315])
    write_tsv(folder / "test.tsv", header, pairs[315:])
    reviews = imdb_rows(random.Random(20261205), 560)
    write_csv(HERE / "imdb_reviews_en" / "train.csv", ["text", "label"], reviews[:400])
    write_csv(HERE / "imdb_reviews_en" / "test.csv", ["text", "label"], reviews[400:])
    stars = yelp_rows(random.Random(20261206), 300)
    write_csv(HERE / "yelp_stars_en" / "train.csv", ["text", "label"], stars[:200])
    write_csv(HERE / "yelp_stars_en" / "test.csv", ["text", "label"], stars[200:])
    comments = weibo_comment_rows(random.Random(20261207), per_class=80)
    write_xlsx(HERE / "weibo_shows_zh" / "微博评论_示例.xlsx", ["Label", "Sentence"], comments)
    return (
        f"mrpc_pairs_en: {len(pairs)} pairs, imdb_reviews_en: {len(reviews)} reviews, "
        f"yelp_stars_en: {len(stars)} reviews, weibo_shows_zh: {len(comments)} comments"
    )


# =========================================================================== Regression and multi-label sets
# A sentence-pair regression set shaped like STS-B and two multi-label sets (a JSON list of tags; a string of
# tags joined by "|"). Every phrase below was written for this project; each set has its own seed.

# --------------------------------------------------------------------------- STS-B-shaped scored pairs
# A domain is (subjects, actions). A subject is (wording, paraphrase); an action is (wording, paraphrase, twist),
# where the twist keeps the wording but changes one important detail. A sentence is subject + action + setting.
STS_DOMAINS = [
    (
        [
            ("the old fisherman", "the elderly fisherman"),
            ("the harbour master", "the man in charge of the harbour"),
            ("the ferry crew", "the crew of the ferry"),
        ],
        [
            ("repaired the torn nets", "mended the ripped nets", "threw away the torn nets"),
            ("unloaded twenty crates of fish", "took twenty boxes of fish off the boat", "unloaded two crates of fish"),
            (
                "painted the hull of the boat blue",
                "gave the boat's hull a coat of blue paint",
                "painted the hull of the boat red",
            ),
            (
                "warned the tourists about the storm",
                "told the visitors that a storm was coming",
                "warned the tourists about the jellyfish",
            ),
        ],
    ),
    (
        [
            ("the science teacher", "the teacher who runs the science class"),
            ("the head of the school", "the school's principal"),
            ("the school secretary", "the secretary at the school"),
        ],
        [
            (
                "cancelled the class trip to the museum",
                "called off the class's museum trip",
                "cancelled the class trip to the zoo",
            ),
            ("handed out the exam results", "gave the students their exam marks", "handed out the exam questions"),
            (
                "planted a vegetable garden behind the gym",
                "set up a vegetable patch behind the gym",
                "planted a flower garden behind the gym",
            ),
            (
                "asked for longer lunch breaks",
                "requested that lunch breaks be extended",
                "asked for shorter lunch breaks",
            ),
        ],
    ),
    (
        [
            ("the head chef", "the chef in charge of the kitchen"),
            ("the owner of the café", "the café's owner"),
            ("the restaurant manager", "the manager of the restaurant"),
        ],
        [
            ("burned a whole tray of bread", "let an entire tray of bread burn", "burned a single slice of bread"),
            (
                "added a vegetarian dish to the menu",
                "put a meat-free dish on the menu",
                "removed the vegetarian dish from the menu",
            ),
            ("dropped a stack of plates", "let a pile of plates fall to the floor", "washed a stack of plates"),
            ("raised the price of coffee", "made coffee more expensive", "lowered the price of coffee"),
        ],
    ),
    (
        [
            ("the mayor", "the city's mayor"),
            ("the town council", "the members of the town council"),
            ("the transport minister", "the minister for transport"),
        ],
        [
            ("approved a new bus line", "gave the go-ahead for a new bus route", "rejected a new bus line"),
            (
                "opened the renovated library",
                "cut the ribbon at the refurbished library",
                "closed the renovated library",
            ),
            (
                "promised to fix the potholes",
                "pledged to repair the holes in the roads",
                "promised to fix the street lights",
            ),
            (
                "announced a ban on cars in the old town",
                "said cars would be banned from the old town",
                "announced a ban on bicycles in the old town",
            ),
        ],
    ),
    (
        [
            ("the goalkeeper", "the team's keeper"),
            ("the young striker", "the teenage forward"),
            ("the team captain", "the captain of the team"),
        ],
        [
            (
                "scored a goal from the halfway line",
                "found the net from the middle of the pitch",
                "missed a shot from the halfway line",
            ),
            ("was injured during training", "got hurt in a practice session", "was praised during training"),
            ("signed a new three-year contract", "agreed to a fresh three-year deal", "signed a new one-year contract"),
            ("criticised the referee", "spoke out against the referee", "thanked the referee"),
        ],
    ),
    (
        [
            ("the farmer", "the woman who runs the farm"),
            ("the park ranger", "the ranger at the park"),
            ("a team of volunteers", "a group of volunteers"),
        ],
        [
            ("rescued a lamb from the river", "pulled a young sheep out of the river", "rescued a dog from the river"),
            ("planted a row of apple trees", "put in a line of apple trees", "cut down a row of apple trees"),
            (
                "spotted a rare owl in the woods",
                "saw an unusual owl among the trees",
                "spotted a rare fox in the woods",
            ),
            (
                "cleared the rubbish from the riverbank",
                "picked up the litter along the river's edge",
                "cleared the snow from the riverbank",
            ),
        ],
    ),
    (
        [
            ("the software team", "the group of developers"),
            ("the company's founder", "the founder of the company"),
            ("the IT manager", "the person in charge of IT"),
        ],
        [
            (
                "released an update for the mobile app",
                "shipped a new version of the phone app",
                "withdrew an update for the mobile app",
            ),
            (
                "fixed the bug that crashed the website",
                "repaired the fault that brought the site down",
                "found the bug that crashed the website",
            ),
            ("hired five new engineers", "took on five more engineers", "hired fifteen new engineers"),
            (
                "moved the servers to a new data centre",
                "relocated the servers to another data centre",
                "moved the printers to a new office",
            ),
        ],
    ),
    (
        [
            ("the orchestra", "the city's orchestra"),
            ("the young pianist", "the teenage piano player"),
            ("the singer", "the vocalist"),
        ],
        [
            (
                "performed a new piece by a local composer",
                "played a new work written by a composer from the area",
                "performed an old piece by a local composer",
            ),
            (
                "won first prize at the competition",
                "took the top award at the contest",
                "won third prize at the competition",
            ),
            (
                "cancelled the concert at the cathedral",
                "called off the cathedral concert",
                "moved the concert to the cathedral",
            ),
            ("recorded an album in a barn", "made a record inside a barn", "recorded an album in a church"),
        ],
    ),
    (
        [
            ("the pilot", "the captain of the plane"),
            ("the tour guide", "the guide leading the tour"),
            ("the train driver", "the driver of the train"),
        ],
        [
            (
                "announced a delay of two hours",
                "said there would be a two-hour delay",
                "announced a delay of ten minutes",
            ),
            (
                "welcomed the passengers in three languages",
                "greeted the travellers in three different languages",
                "welcomed the passengers in one language",
            ),
            (
                "took a shorter route because of the snow",
                "chose a quicker way due to the snow",
                "took a longer route because of the snow",
            ),
            (
                "apologised for the broken heating",
                "said sorry that the heating did not work",
                "complained about the broken heating",
            ),
        ],
    ),
]
STS_SETTINGS = [  # (wording, paraphrase); any of them fits any sentence
    ("on Monday morning", "early on Monday"),
    ("before sunrise", "before dawn"),
    ("last weekend", "over the past weekend"),
    ("in the pouring rain", "while it was raining heavily"),
    ("after a long meeting", "following a lengthy meeting"),
    ("during the holidays", "over the holiday break"),
    ("in front of a large crowd", "with a big crowd watching"),
    ("on the first day of spring", "on spring's first day"),
    ("late on Friday night", "on Friday, late at night"),
    ("without telling anyone", "without informing anybody"),
    ("for the second time this year", "for the second time in twelve months"),
    ("despite the cold weather", "in spite of the cold"),
    ("at the end of the month", "when the month came to a close"),
    ("in a hurry", "hastily"),
    ("to everyone's surprise", "surprising everyone"),
    ("earlier than planned", "ahead of schedule"),
]
# The levels, from the STS-B annotation scale: 5 the same meaning in other words; 4 a minor detail (the setting)
# differs; 3 one important detail of the action differs; 2 the same subject doing something else; 1 only the
# setting is shared (another domain); 0 unrelated.
STS_LEVELS = (5, 4, 3, 2, 1, 0)


def _sts_sentence(rng: random.Random, subject: str, action: str, setting: str) -> str:
    """Subject, action, setting; now and then the setting comes first ("Before dawn, the pilot ...")."""
    if rng.random() < 0.25:
        return f"{_sentence(setting)}, {subject} {action}."
    return _sentence(f"{subject} {action} {setting}.")


def sts_pair(rng: random.Random, level: int) -> tuple[str, str]:
    domain = rng.randrange(len(STS_DOMAINS))
    subjects, actions = STS_DOMAINS[domain]
    subject, action, setting = rng.choice(subjects), rng.choice(actions), rng.choice(STS_SETTINGS)
    first = _sts_sentence(rng, rng.choice(subject), action[0], rng.choice(setting))

    def either(pair: tuple[str, ...]) -> str:  # the wording or its paraphrase
        return pair[rng.randrange(2)]

    other_setting = rng.choice([s for s in STS_SETTINGS if s != setting])
    if level == 5:
        second = _sts_sentence(rng, either(subject), action[1], either(setting))
    elif level == 4:
        second = _sts_sentence(rng, either(subject), either(action), either(other_setting))
    elif level == 3:
        second = _sts_sentence(rng, either(subject), action[2], either(setting))
    elif level == 2:
        other_action = rng.choice([a for a in actions if a != action])
        second = _sts_sentence(rng, either(subject), either(other_action), either(other_setting))
    else:
        other_subjects, other_actions = STS_DOMAINS[rng.choice([d for d in range(len(STS_DOMAINS)) if d != domain])]
        chosen = setting if level == 1 else other_setting
        second = _sts_sentence(
            rng, either(rng.choice(other_subjects)), either(rng.choice(other_actions)), either(chosen)
        )
    return first, second


def sts_splits(rng: random.Random, sizes: tuple[int, ...]) -> list[list[list]]:
    """Splits of distinct pairs (no pair in two splits), each with the levels 5..0 in equal shares and shuffled;
    a score is its level jittered by up to 0.2, kept in 0..5."""
    splits, seen = [], set()
    for size in sizes:
        rows = []
        while len(rows) < size:
            level = STS_LEVELS[len(rows) % len(STS_LEVELS)]
            first, second = sts_pair(rng, level)
            if rng.random() < 0.5:
                first, second = second, first
            if first == second or (first, second) in seen or (second, first) in seen:
                continue
            seen.add((first, second))
            score = min(5.0, max(0.0, level + rng.randint(-2, 2) / 10))
            rows.append([first, second, f"{score:.1f}"])
        rng.shuffle(rows)
        splits.append(rows)
    return splits


# --------------------------------------------------------------------------- English support tickets, multi-label
# A ticket is an opener, one clause per tag (in random order, joined by linking words) and a closer.
TICKET_TAGS = ("billing", "login", "bug", "shipping", "refund", "feature_request")
TICKET_CLAUSES = {
    "billing": [
        "I was charged twice for my March invoice",
        "my card was billed for the premium plan even though I am on the basic one",
        "the invoice shows a tax amount I do not understand",
        "I need to update the credit card you bill every month",
        "there is a charge of 14.99 on my statement that I do not recognise",
        "my annual subscription renewed at a higher price than last year",
        "could you send me a copy of last month's receipt for my accountant",
        "I would like to switch from monthly to yearly billing",
        "the company name on our invoices is spelled wrong",
        "I was billed after my free trial should have ended",
        "the discount code was not applied to my bill",
        "when will the next payment be taken from my account",
    ],
    "login": [
        "I cannot log in to my account since yesterday",
        "the password reset email never arrives",
        "the codes from my authenticator app are always rejected",
        "my account got locked after a few wrong password attempts",
        "I changed my email address and now I do not know which one to sign in with",
        "the app keeps logging me out every few minutes",
        "signing in with my work account just sends me back to the start page",
        "the reset link says it has expired the moment I click it",
        "I do not get the verification text message on my new phone",
        "it says my username does not exist, but I have had this account for years",
        "I am stuck on the security question screen when I try to sign in",
        "an old laptop of mine is still signed in to my account and I cannot remove it",
    ],
    "bug": [
        "the export button does nothing when I click it",
        "the dashboard shows yesterday's numbers even after refreshing",
        "the app crashes every time I open the settings page",
        "images in my uploaded reports come out upside down",
        "the search results repeat the same item three times",
        "dates in the calendar view are off by one day",
        "the page freezes when I paste a long list into the notes field",
        "emojis in comments turn into question marks",
        "in dark mode the buttons are unreadable",
        "saving a draft deletes its attachments",
        "every notification arrives twice on my tablet",
        "the totals in the monthly chart do not add up",
    ],
    "shipping": [
        "my order still has not arrived after two weeks",
        "the tracking number you sent does not work on the courier's site",
        "the parcel was delivered to my old address",
        "the box arrived crushed and one item was missing",
        "I need to change the delivery address on an order I placed this morning",
        "the tracking page has said out for delivery for four days",
        "the courier left the package outside in the rain",
        "I paid for express delivery but it came by standard post",
        "only half of my order showed up",
        "do you ship to Norway, and how long does it take",
        "the delivery date keeps moving back",
        "the package I received was addressed to someone else",
    ],
    "refund": [
        "I would like a refund for the headphones I sent back last week",
        "I was promised my money back ten days ago and still have nothing",
        "please refund the unused months of my subscription",
        "the refund went to a card I no longer have",
        "I only received a partial refund for the broken lamp",
        "the returns page says refund approved but my bank shows nothing",
        "I want my money back for the course I never started",
        "how long does a refund usually take to show up",
        "I returned the shoes within thirty days and would like the full amount back",
        "can the refund be paid as store credit instead",
        "I cancelled within the trial period, so please give back the first payment",
        "the refund I got was for the wrong amount",
    ],
    "feature_request": [
        "it would be great to export reports as spreadsheets",
        "please add a dark theme to the mobile app",
        "could you let us share projects with people outside our team",
        "I would love a way to schedule messages for later",
        "a keyboard shortcut for search would save me a lot of time",
        "please consider adding a calendar view to the tasks page",
        "it would help to have more than one admin on a team account",
        "could the app remember my filter settings between visits",
        "it would be nice to pin important notes to the top of the list",
        "I wish I could undo deleting a comment",
        "please let one document hold text in two languages",
        "a weekly summary email would be really useful",
    ],
}
TICKET_OPENERS = [
    "",
    "",
    "Hi.",
    "Hello!",
    "Hi there!",
    "Hello support.",
    "Good morning.",
    "Hey team!",
    "Dear support team.",
]
TICKET_LINKS = [
    "Also, ",
    "On top of that, ",
    "Separately, ",
    "One more thing: ",
    "While I am here, ",
    "In addition, ",
    "And ",
]
TICKET_CLOSERS = [
    "",
    "",
    "Thanks.",
    "Thank you!",
    "Please help.",
    "Any help is appreciated.",
    "Cheers, Sam",
    "Thanks in advance.",
    "This is getting urgent.",
]
TICKET_QUESTION_WORDS = ("can", "could", "do", "how", "when")


def _ticket_clause(clause: str, link: str) -> str:
    """A clause as a sentence after ``link``, ending in "?" when it asks something."""
    end = "?" if clause.split()[0] in TICKET_QUESTION_WORDS else "."
    if link:
        first = clause.split()[0]
        clause = clause if first == "I" else clause[0].lower() + clause[1:]
        return f"{link}{clause}{end}"
    return f"{_sentence(clause)}{end}"


def ticket_rows(rng: random.Random, count: int) -> list[dict]:
    """``count`` distinct tickets; about 45% with one tag, 40% with two, 15% with three."""
    rows, seen = [], set()
    while len(rows) < count:
        draw = rng.random()
        tags = rng.sample(TICKET_TAGS, 1 if draw < 0.45 else 2 if draw < 0.85 else 3)
        links = rng.sample(TICKET_LINKS, len(tags) - 1)
        parts = [rng.choice(TICKET_OPENERS)]
        for index, tag in enumerate(tags):
            parts.append(_ticket_clause(rng.choice(TICKET_CLAUSES[tag]), links[index - 1] if index else ""))
        parts.append(rng.choice(TICKET_CLOSERS))
        text = " ".join(part for part in parts if part)
        if text in seen:
            continue
        seen.add(text)
        rows.append({"text": text, "labels": [tag for tag in TICKET_TAGS if tag in tags]})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- Chinese comments, "|"-joined tags
# A comment is an opener, one short clause per tag (one or two tags, in random order) and an ending.
ZH_TAG_NAMES = ("综艺", "文化", "音乐", "美食")
ZH_TAG_CLAUSES = {
    "综艺": [
        "这期的游戏环节笑死我了",
        "常驻嘉宾之间的默契越来越好",
        "导演组的剪辑节奏有点拖",
        "新来的飞行嘉宾还有点放不开",
        "主持人接梗接得太快了",
        "这档真人秀的任务设计很有新意",
        "下期预告已经把我钩住了",
        "花絮比正片还好看",
        "嘉宾被整蛊时的表情我能看一百遍",
        "这一季的户外录制真辛苦",
        "听说这季收视率又涨了",
        "弹幕比节目本身还热闹",
    ],
    "文化": [
        "原来端午挂艾草还有这么多讲究",
        "讲古代书院的那一段很长知识",
        "老街的木雕手艺快没人会了",
        "非遗传承人的手真巧",
        "诗词里的二十四节气写得太美了",
        "一座石拱桥背后有这么多故事",
        "博物馆里的青铜器看得我入迷",
        "剪纸师傅一刀下去就是一幅画",
        "方言里藏着好多老辈人的智慧",
        "第一次听说茶马古道的来历",
        "汉服的形制讲得清清楚楚",
        "书法老师说写字先要静心",
    ],
    "音乐": [
        "片尾曲我循环了一整天",
        "那段古筝独奏太惊艳了",
        "歌手的高音稳得不像现场",
        "乐队改编的老歌比原版还有味道",
        "和声一起来我就起鸡皮疙瘩",
        "求这首插曲的歌名",
        "鼓手全程表情管理满分",
        "民谣前奏一响眼泪就下来了",
        "二胡和电吉他居然这么搭",
        "童声合唱团的声音好干净",
        "这首歌的歌词写得太走心了",
        "现场伴奏的乐手太专业了",
    ],
    "美食": [
        "看得我半夜爬起来煮了碗面",
        "那锅红烧肉隔着屏幕都香",
        "糖油粑粑是我小时候的最爱",
        "想知道那家米粉店在哪条街",
        "番茄炒蛋到底放不放糖又吵起来了",
        "螺蛳粉的汤底看着就很正宗",
        "饺子皮擀得又薄又圆",
        "麻辣烫里的宽粉我也爱吃",
        "那碗腊八粥让我想起了外婆",
        "烤鸭片得整整齐齐",
        "刚出笼的包子还冒着热气",
        "酸汤鱼看得我口水直流",
    ],
}
ZH_TAG_OPENERS = ["", "", "", "刚看完，", "说真的，", "家人们，", "哈哈哈", "今天才发现", "emmm，", "不得不说，"]
ZH_TAG_ENDS = ["", "。", "！", "～", "……", "，有人同感吗？", "[赞]", "[哭]", " #周末追综#", "，已转发"]


def weibo_tag_rows(rng: random.Random, count: int) -> list[list]:
    """``count`` distinct comments, rows ``[comment, tags]``; about 55% with one tag, 45% with two."""
    rows, seen = [], set()
    while len(rows) < count:
        tags = rng.sample(ZH_TAG_NAMES, 1 if rng.random() < 0.55 else 2)
        body = "，".join(rng.choice(ZH_TAG_CLAUSES[tag]) for tag in tags)
        text = f"{rng.choice(ZH_TAG_OPENERS)}{body}{rng.choice(ZH_TAG_ENDS)}"
        if text in seen:
            continue
        seen.add(text)
        rows.append([text, "|".join(tag for tag in ZH_TAG_NAMES if tag in tags)])
    return rows


def write_scored_and_tagged() -> str:
    """The STS-B-shaped pairs and the two multi-label sets (each with its own seed)."""
    splits = sts_splits(random.Random(20261208), (700, 150, 150))
    header = ["sentence1", "sentence2", "score"]
    for name, rows in zip(("train", "validation", "test"), splits):
        write_csv(HERE / "sts_pairs_en" / f"{name}.csv", header, rows)
    pairs = [row for rows in splits for row in rows]
    tickets = ticket_rows(random.Random(20261209), 750)
    write_jsonl(HERE / "support_tickets_en" / "train.jsonl", tickets[:600])
    write_jsonl(HERE / "support_tickets_en" / "validation.jsonl", tickets[600:])
    comments = weibo_tag_rows(random.Random(20261210), 400)
    write_csv(HERE / "weibo_tags_zh" / "comments.csv", ["评论", "标签"], comments)
    return (
        f"sts_pairs_en: {len(pairs)} pairs, support_tickets_en: {len(tickets)} tickets, "
        f"weibo_tags_zh: {len(comments)} comments"
    )


def main() -> None:
    rng = random.Random(20261121)
    sentiment = sentiment_rows(rng)
    split_and_write(HERE / "sentiment_en", ["text", "label"], sentiment)
    pairs = paraphrase_rows(rng)
    split_and_write(HERE / "paraphrase_en", ["sentence1", "sentence2", "label"], pairs)
    chinese = chinese_rows(rng)
    (HERE / "weibo_variety_zh").mkdir(parents=True, exist_ok=True)
    with open(HERE / "weibo_variety_zh" / "comments.jsonl", "w", encoding="utf-8") as handle:
        for text, label in chinese:
            handle.write(json.dumps({"review": text, "label": label}, ensure_ascii=False) + "\n")
    topics = write_weibo_topics_xlsx(HERE / "weibo_topics_zh" / "weibo_topics.xlsx", per_class=100)
    print(
        f"sentiment_en: {len(sentiment)} rows, paraphrase_en: {len(pairs)} pairs, "
        f"weibo_variety_zh: {len(chinese)} rows, weibo_topics_zh: {topics} rows"
    )
    print(write_twins())
    print(write_scored_and_tagged())


if __name__ == "__main__":
    main()
