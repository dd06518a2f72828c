module supervisord

go 1.26
