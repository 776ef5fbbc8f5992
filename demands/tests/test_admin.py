from demands.models import Open311Client


def test_administrator_edits_categories_calendar_and_issues_open311_keys_in_the_admin(
    client, setup, administrator
):
    administrator.is_staff = True
    administrator.save()
    client.force_login(administrator)
    assert client.get("/admin/demands/category/").status_code == 200
    assert client.get(f"/admin/demands/category/{setup['land'].pk}/change/").status_code == 200
    assert client.get("/admin/demands/workingcalendar/").status_code == 200
    r = client.post("/admin/demands/open311client/add/", {"name": "随手拍", "active": "on"}, follow=True)
    assert r.status_code == 200
    client_app = Open311Client.objects.get(name="随手拍")
    assert client_app.prefix in r.content.decode()  # the key is shown once
    assert client.get("/admin/demands/demand/").status_code == 200
