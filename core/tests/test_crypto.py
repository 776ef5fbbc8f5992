import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from core import crypto
from core.masking import mask_id_number, mask_name, mask_phone


def test_encrypt_round_trip_and_ciphertext_hides_plaintext():
    token = crypto.encrypt("419901195003128015", context="person.id_number")
    assert "419901195003128015" not in token
    assert token.startswith("v2:")
    assert crypto.decrypt(token, context="person.id_number") == "419901195003128015"


def test_ciphertext_bound_to_its_context():
    token = crypto.encrypt("13800001234", context="person.phone")
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, context="person.id_number")


def test_rotated_key_still_decrypts_old_ciphertexts(settings):
    old_only = "v1:" + settings.DOORSTEP_FIELD_KEYS.split(",v1:")[1]
    with override_settings(DOORSTEP_FIELD_KEYS=old_only):
        token = crypto.encrypt("secret")
    assert token.startswith("v1:")
    assert crypto.decrypt(token) == "secret"  # current settings: v2 first, v1 still listed


def test_blind_index_is_keyed_and_deterministic(settings):
    a = crypto.blind_index("419901195003128015", purpose="person.id_number")
    assert a == crypto.blind_index("419901195003128015", purpose="person.id_number")
    assert a != crypto.blind_index("419901195003128015", purpose="person.phone")
    with override_settings(DOORSTEP_INDEX_KEY="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="):
        assert crypto.blind_index("419901195003128015", purpose="person.id_number") != a


def test_masks():
    assert mask_id_number("410101195603121234") == "4101**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
