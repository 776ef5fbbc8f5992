from datetime import datetime
from zoneinfo import ZoneInfo

from burden.notice import parse_notice

TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
DEPTS = [(1, "测试县", "民政局"), (2, "测试县", "卫健委"), (3, "甲镇", "党政办")]


def test_notice_gives_title_issuer_deadline_and_type():
    text = "测试县民政局关于开展特困人员摸排填报工作的通知\n各乡镇：\n请于11月30日前将附表报送县民政局。\n测试县民政局\n2026年11月25日"
    guess = parse_notice(text, received=RECEIVED, departments=DEPTS)
    assert guess.title == "测试县民政局关于开展特困人员摸排填报工作的通知"
    assert guess.department_id == 1
    assert guess.deadline == datetime(2026, 11, 30, 18, 0, tzinfo=TZ)
    assert guess.type == "form"


def test_full_date_deadline():
    guess = parse_notice("请各村于2026年12月1日前报送。", received=RECEIVED)
    assert guess.deadline == datetime(2026, 12, 1, 18, 0, tzinfo=TZ)


def test_meeting_time_is_the_deadline():
    text = "关于召开防汛工作会议的通知\n定于2026年12月1日上午9:00在县政府三楼召开会议。"
    guess = parse_notice(text, received=RECEIVED)
    assert guess.type == "meeting"
    assert guess.deadline == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def test_morning_for_afternoon():
    guess = parse_notice("紧急通知：请各村今天下午5点前报送留守儿童统计表", received=RECEIVED)
    assert guess.deadline == datetime(2026, 11, 26, 17, 0, tzinfo=TZ)


def test_short_date_in_january_is_next_year():
    guess = parse_notice("请于1月5日前完成考核材料", received=RECEIVED)
    assert guess.deadline.year == 2027
    assert guess.type == "assessment"


def test_signature_issuer_when_title_has_none():
    text = "关于报送走访台账的通知\n请于11月28日前报送。\n甲镇党政办\n2026年11月26日"
    guess = parse_notice(text, received=RECEIVED, departments=DEPTS)
    assert guess.department_id == 3


def test_empty_text_guesses_nothing():
    assert parse_notice("", received=RECEIVED).found == []
