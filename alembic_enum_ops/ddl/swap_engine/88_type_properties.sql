-- 88 the type's owner, comment and grants pass to the new type
<<type_properties>>
DECLARE
    r record;
BEGIN
    IF type_owner <> current_user THEN
        creates := creates || jsonb_build_object(
            'sql', format('ALTER TYPE %s OWNER TO %I', qtype, type_owner),
            'what', 'owner of the type');
    END IF;
    IF type_comment IS NOT NULL OR p_mode = 'cutover' THEN  -- (the new type's is ours)
        creates := creates || jsonb_build_object(
            'sql', format('COMMENT ON TYPE %s IS %L', qtype, type_comment),
            'what', 'comment on the type');
    END IF;
    IF type_acl IS NOT NULL THEN
        creates := creates
            || jsonb_build_object('sql', format('REVOKE ALL ON TYPE %s FROM PUBLIC', qtype),
                                  'what', 'grants on the type')
            || jsonb_build_object('sql', format('REVOKE ALL ON TYPE %s FROM %I', qtype,
                                                type_owner),
                                  'what', 'grants on the type');
        FOR r IN SELECT * FROM aclexplode(type_acl) ORDER BY grantee, privilege_type LOOP
            creates := creates || jsonb_build_object(
                'sql', format('GRANT %s ON TYPE %s TO %s%s', r.privilege_type, qtype,
                              CASE WHEN r.grantee = 0 THEN 'PUBLIC'
                                   ELSE quote_ident(pg_get_userbyid(r.grantee)) END,
                              CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END),
                'what', 'grants on the type');
        END LOOP;
    END IF;
END type_properties;
