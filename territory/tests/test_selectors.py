from territory.selectors import jurisdiction_paths, unit_list


def test_no_jurisdiction_sees_no_units(nobody):
    assert list(unit_list(user=nobody)) == []


def test_cadre_sees_exactly_their_villages_and_grids(township_cadre, tree):
    codes = {u.code for u in unit_list(user=township_cadre)}
    assert codes == {tree.village_a1.code, tree.village_a2.code, tree.grid_a1.code}


def test_nested_jurisdictions_collapse_to_the_broadest(tree):
    from core.testing import make_staff

    staff = make_staff("township_leader", [tree.town_a, tree.village_a1], username="overlap")
    assert jurisdiction_paths(staff) == (tree.town_a.path,)


def test_inactive_user_sees_nothing(village_official):
    village_official.is_active = False
    assert list(unit_list(user=village_official)) == []
