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


if __name__ == "__main__":
    main()
