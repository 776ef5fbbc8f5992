"""Demo portal: the county's site with its channels, a section per township, notices, news and a disclosure.

Articles are written for the demo (fictional county, fictional offices); publish times are spread
over the weeks before the demo date so the home page and channel lists look lived in.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wagtail.models import Page

from core.demo import DemoContext
from portal import services
from portal.models import HomePage
from territory.models import Staff
from territory.roles import Role

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

# (channel kind, slug, title, source, keywords, paragraphs, pick)
COUNTY_ARTICLES = [
    (
        "notice",
        "dibao-apply-guide",
        "低保申请须知",
        "县民政局",
        "低保，申请，收入核对",
        [
            "家庭人均收入低于本县城乡低保标准、家庭财产符合规定的居民，可以申请最低生活保障。",
            "申请人向户籍所在地的乡镇政府（街道办事处）提出书面申请，也可以委托村（居）委会代为提出。需要准备户口簿、身份证和家庭收入情况说明。",
            "乡镇在收到申请后开展入户调查和收入核对，调查结果在村务公开栏公示七天，无异议的报县民政局审批。",
        ],
        True,
    ),
    (
        "notice",
        "dibao-standard-2027",
        "关于提高城乡低保标准的通知",
        "县民政局",
        "城乡低保，低保标准，民生保障",
        [
            "经县政府研究决定，自2027年1月1日起提高城乡低保标准：城市低保标准每人每月提高40元，农村低保标准每人每年提高480元。",
            "新标准执行后，各乡镇要及时核定在册低保对象的补助金额，确保提标资金按月足额发放到户。",
        ],
        True,
    ),
    (
        "notice",
        "winter-heating-safety",
        "关于做好冬季取暖安全工作的通知",
        "县应急管理局",
        "取暖，一氧化碳，安全",
        [
            "入冬以来气温持续下降，农村家庭使用煤炉取暖增多。各村要逐户提醒独居老人注意通风，防止一氧化碳中毒。",
            "网格员在走访中发现烟道破损、无排烟管等隐患的，要当场告知并登记，由乡镇安排整改。",
        ],
        False,
    ),
    (
        "notice",
        "medical-insurance-2027",
        "2027年度城乡居民医保集中缴费开始",
        "县医疗保障局",
        "医保，缴费，城乡居民",
        [
            "2027年度城乡居民基本医疗保险集中缴费期为2026年9月1日至12月31日。",
            "居民可以通过手机缴费，也可以到村卫生室、乡镇便民服务中心现场缴纳。特困人员、低保对象的个人缴费部分由财政资助。",
        ],
        False,
    ),
    (
        "notice",
        "road-closure-s231",
        "省道231线部分路段施工期间交通管制的通告",
        "县交通运输局",
        "交通管制，施工，绕行",
        ["因道路改造施工，省道231线青石桥至柳河段自12月1日起实行半幅通行，请过往车辆减速慢行，按指示绕行。"],
        False,
    ),
    (
        "notice",
        "veteran-info-check",
        "关于开展退役军人信息核对工作的通知",
        "县退役军人事务局",
        "退役军人，信息核对",
        ["为做好退役军人服务保障工作，请各村在12月15日前完成辖区退役军人信息核对，不需要本人另行提交材料。"],
        False,
    ),
    (
        "news",
        "autumn-harvest-meeting",
        "县里部署秋收秋种和冬季农田水利工作",
        "县政府办公室",
        "秋收，秋种，农田水利",
        [
            "近日，县政府召开秋收秋种工作会议，安排部署机收减损、小麦适期播种和冬季农田水利建设。",
            "会议要求，各乡镇干部要深入田间地头，帮助缺少劳力的家庭抢收抢种，不让一户因缺劳力误农时。",
        ],
        True,
    ),
    (
        "news",
        "burden-reduction-forms",
        "我县清理村级台账表格 基层填表减少四成",
        "县委办公室",
        "基层减负，台账，表格",
        [
            "今年以来，我县对部门下发到村的表格台账进行了全面清理，合并重复表格，能从已有数据中生成的不再要求村里填报。",
            "据统计，村干部每月用于填表的时间平均减少约四成，更多时间用在走访群众、解决实际问题上。",
        ],
        True,
    ),
    (
        "news",
        "door-to-door-visits",
        "走进百姓家门 干部包村走访常态化",
        "县委组织部",
        "走访，包村干部，群众工作",
        [
            "县里推行包村干部定期走访制度，对独居老人、留守儿童等重点人群按周期上门，面对面了解困难。",
            "走访中发现的问题当场登记，能办的马上办，办不了的按职责转到有关部门，限时答复。",
        ],
        False,
    ),
    (
        "news",
        "demand-hotline-results",
        "群众诉求办理情况通报：前三季度办结率98%",
        "县政务服务中心",
        "群众诉求，办结率，接诉即办",
        [
            "前三季度，全县共受理群众诉求4126件，办结4043件，群众满意率96.5%。未办结诉求已逐件明确责任单位和办理时限。"
        ],
        False,
    ),
    (
        "news",
        "elderly-canteen",
        "第一批农村幸福食堂开门迎客",
        "县民政局",
        "养老，幸福食堂，老年人",
        [
            "全县首批12家农村幸福食堂投入运营，为70岁以上老人提供每餐3元的午餐，行动不便的老人由志愿者送餐上门。"
        ],
        False,
    ),
    (
        "policy",
        "dibao-policy-qa",
        "城乡低保政策问答",
        "县民政局",
        "城乡低保，政策问答，低保",
        [
            "问：家里有人外出打工，还能申请低保吗？答：外出务工收入计入家庭收入，核算后人均收入低于标准的仍可申请。",
            "问：低保多久复核一次？答：一般每年复核一次，家庭情况发生变化的应及时告知村委会。",
        ],
        True,
    ),
    (
        "policy",
        "tekun-support",
        "一图读懂特困人员救助供养政策",
        "县民政局",
        "特困，救助供养",
        [
            "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人，可以申请特困人员救助供养。"
        ],
        False,
    ),
    (
        "policy",
        "fuel-subsidy",
        "村干部下村交通补贴办法解读",
        "县财政局",
        "交通补贴，村干部，下村",
        ["新办法按实际下村里程核定交通补贴，山区乡镇上浮20%，补贴按月随工资发放，不再要求另报票据。"],
        False,
    ),
    (
        "policy",
        "rural-pension",
        "城乡居民养老保险缴费档次调整说明",
        "县人社局",
        "养老保险，缴费档次",
        ["2027年起城乡居民养老保险设14个缴费档次，政府补贴随档次提高而增加，鼓励多缴多得、长缴多得。"],
        False,
    ),
    (
        "guide",
        "guide-dibao",
        "办事指南：城乡低保申请",
        "县政务服务中心",
        "低保申请，办事指南，城乡低保",
        [
            "办理地点：户籍所在地乡镇便民服务中心。办理时限：自受理之日起30个工作日。",
            "所需材料：申请书、户口簿、身份证、家庭收入和财产情况说明。收费标准：不收费。",
        ],
        True,
    ),
    (
        "guide",
        "guide-disability-card",
        "办事指南：残疾人证办理",
        "县残联",
        "残疾人证，办事指南",
        ["申请人持身份证、户口簿和近期免冠照片到县残联提出申请，在指定医院评定残疾类别和等级后发证。"],
        False,
    ),
    (
        "guide",
        "guide-residence-cert",
        "办事指南：居住证明开具",
        "县政务服务中心",
        "居住证明，办事指南",
        ["居住证明由居住地村（居）委会出具，村干部核实后当场开具，不需要另行盖乡镇公章。"],
        False,
    ),
    (
        "guide",
        "guide-demand",
        "群众诉求怎么反映、怎么查进度",
        "县政务服务中心",
        "群众诉求，办理进度，我要反映",
        [
            "群众可以在本网站“我要反映”页面提交诉求，也可以拨打热线或向村干部反映。",
            "提交后会得到受理编号，凭受理编号和手机号后四位可以在“办理进度查询”页面查看办理情况。",
        ],
        False,
    ),
    (
        "livelihood",
        "clinic-hours",
        "村卫生室冬季开诊时间调整",
        "县卫生健康委",
        "村卫生室，开诊时间",
        ["自12月1日起，各村卫生室冬季开诊时间调整为上午8:30至下午5:00，夜间急诊请拨打乡镇卫生院电话。"],
        False,
    ),
    (
        "livelihood",
        "water-supply",
        "农村供水管网改造完成 十八个村通上自来水",
        "县水利局",
        "农村供水，自来水",
        ["今年实施的农村供水管网改造工程已全部完工，十八个村的群众用上了稳定的自来水。"],
        False,
    ),
    (
        "livelihood",
        "bus-line",
        "新开通两条城乡公交线路",
        "县交通运输局",
        "城乡公交，出行",
        ["新开通县城至青石镇、县城至柳河乡两条公交线路，每天各6个班次，票价2元，60岁以上老人免费乘坐。"],
        False,
    ),
    (
        "livelihood",
        "winter-clothes",
        "冬衣棉被已送到困难群众家中",
        "县民政局",
        "困难群众，冬季救助，低保",
        ["入冬前，县民政局为低保、特困等困难家庭发放棉被、棉衣2300余件，由村干部逐户送到家中。"],
        False,
    ),
]

TOWNSHIP_ARTICLES = [
    ("notice", "dibao-review", "{town}2026年第四季度低保动态复核的通知", "低保，复核"),
    ("notice", "cadre-visit-schedule", "{town}包村干部下村走访安排", "走访，包村干部"),
    ("news", "town-meeting", "{town}召开村级减负工作推进会", "基层减负，推进会"),
    ("livelihood", "market-day", "{town}集市时间调整公告", "集市，时间调整"),
]


def _body(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def build(ctx: DemoContext) -> None:
    # The welcome page Wagtail's migrations create is replaced by the county's home page (and a rebuilt
    # demo replaces its earlier portal).
    for page in Page.objects.filter(depth=2, content_type__model="page"):
        page.delete()
    for page in HomePage.objects.filter(slug=f"county-{ctx.county.code}"):
        page.delete()
    site = services.site_create(county=ctx.county, townships=ctx.townships, hostname="localhost", port=80)
    county_channels = site["channels"]["county"]
    count = 0
    for i, (kind, slug, title, source, keywords, paragraphs, pick) in enumerate(COUNTY_ARTICLES):
        services.article_publish(
            actor=None,
            channel=county_channels[kind],
            title=title,
            slug=slug,
            source=source,
            keywords=keywords,
            summary=paragraphs[0][:120],
            body=_body(paragraphs),
            is_pick=pick,
            published_at=NOW - timedelta(days=i, hours=ctx.rng.randint(0, 8)),
            with_revision=False,  # seeding: live pages without a first revision keep the demo fast
        )
        count += 1
    for n, township in enumerate(ctx.townships[:3]):
        channels = site["channels"][township.pk]
        for i, (kind, slug, title, keywords) in enumerate(TOWNSHIP_ARTICLES):
            name = township.name
            services.article_publish(
                actor=None,
                channel=channels[kind],
                title=title.format(town=name),
                slug=slug,
                source=f"{name}人民政府",
                keywords=keywords,
                body=_body([f"{name}各村：请按要求做好相关工作，有问题请联系镇党政办。"]),
                published_at=NOW - timedelta(days=n * 3 + i, hours=2),
                with_revision=False,
            )
            count += 1
    # Editors: township leaders and administrators get their sections in the CMS.
    editors = list(
        Staff.objects.filter(role__in=[Role.TOWNSHIP_LEADER, Role.ADMINISTRATOR]).prefetch_related(
            "jurisdictions"
        )
    )
    for staff in editors:
        services.editor_sync(staff=staff)
    leader = next((s for s in editors if s.username == "leader"), None)
    disclosures = 0
    if leader is not None:
        township = leader.jurisdictions.first()
        village = next((v for v in ctx.villages if v.parent_id == township.pk), None)
        if village is not None:
            services.disclosure_seed(
                editor=leader,
                channel=site["channels"][township.pk]["disclosure"],
                village=village,
                tag_code="dibao",
                title=f"{village.name}2026年第四季度低保对象公示",
                period_label="2026年第四季度",
                days=30,
                intro="公示期内如有异议，请向村委会或镇民政办反映。",
            )
            disclosures = 1
    ctx.say(
        f"  portal: {count} articles, {len(ctx.townships)} township sections, {disclosures} disclosure list"
    )
